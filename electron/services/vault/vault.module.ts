import type { vaultChannels } from '../../../shared/ipc/channels/vault.channels';
import type { MigrationSet } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from './vault.access';
import type { ScryptParams } from './vault.recovery';
import { VaultService, type FaultPoint } from './vault.service';

export type VaultChannelName = keyof typeof vaultChannels;

export interface VaultModuleOptions {
  readonly keychain: Keychain;
  readonly migrations: readonly MigrationSet[];
  /** Test hooks; the app passes neither. */
  readonly recoveryKdf?: ScryptParams;
  readonly fault?: (point: FaultPoint) => void;
}

/** The vault: lifecycle channels and the database handle other modules use. */
export function createVaultModule(
  ctx: ModuleContext,
  options: VaultModuleOptions,
): ServiceModule<VaultChannelName> & { access: VaultAccess; service: VaultService } {
  const service = new VaultService({
    dataDir: ctx.dataDir,
    keychain: options.keychain,
    migrations: options.migrations,
    logger: ctx.logger,
    now: ctx.now,
    recoveryKdf: options.recoveryKdf,
    fault: options.fault,
    onLocked: (reason) => ctx.emit('vault.locked', { reason }),
    onUnlocked: (vaultId) => ctx.emit('vault.unlocked', { vaultId }),
  });
  return {
    access: service.access,
    service,
    handlers: {
      'vault.status': () => service.status(),
      'vault.setup': () => service.setup(),
      'vault.unlock': () => service.unlock(),
      'vault.lock': () => service.lock('user'),
      'vault.recover': ({ recoveryCode }) => service.recover(recoveryCode),
      'vault.backup': () => service.backup(),
      'vault.listBackups': () => service.listBackups(),
      'vault.restore': ({ backupId }) => service.restore(backupId),
      'vault.rekey': () => service.rekey(),
    },
    dispose: () => service.dispose(),
  };
}
