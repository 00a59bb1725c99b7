import type { auditChannels } from '../../../shared/ipc/channels/audit.channels';
import type { EventName, EventPayload } from '../../../shared/ipc/contract';
import type { Handlers } from '../ipc/router';
import type { Keychain } from '../keychain/keychain';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from '../vault/vault.access';
import { auditChannelHandlers, auditEmitted, auditHandlers } from './audit.handlers';
import { AuditService } from './audit.service';

export type AuditChannelName = keyof typeof auditChannels;

/**
 * The security log: its service (the `AuditSink` other parts record through), its channels, the
 * decorator that records the security-relevant channels' outcomes, and the pushed events it records.
 */
export function createAuditModule(
  ctx: ModuleContext,
  vault: VaultAccess,
  options: {
    keychain: Keychain;
    version: string;
    checkpointEvery?: number;
    whenWritable?: (append: () => void) => void;
  },
): ServiceModule<AuditChannelName> & {
  service: AuditService;
  wrap(handlers: Handlers): Handlers;
  emitted<E extends EventName>(event: E, payload: EventPayload<E>): void;
} {
  const service = new AuditService({
    vault,
    keychain: options.keychain,
    dataDir: ctx.dataDir,
    logger: ctx.logger,
    now: ctx.now,
    checkpointEvery: options.checkpointEvery,
    whenWritable: options.whenWritable,
    onVerified: (report) => ctx.emit('audit.verified', report),
  });
  return {
    service,
    handlers: auditChannelHandlers(service, options.version),
    wrap: (handlers) => auditHandlers(handlers, service),
    emitted: (event, payload) => auditEmitted(service, event, payload),
    dispose: () => service.dispose(),
  };
}
