import { existsSync } from 'node:fs';
import path from 'node:path';
import { entityDefs } from '../../../../../electron/services/crm/crm.entities';
import type { CrmService } from '../../../../../electron/services/crm/crm.service';
import type { Db } from '../../../../../electron/services/db/database';
import type { CallContext, SenderInfo } from '../../../../../electron/services/ipc/router';
import { createSenderPolicy } from '../../../../../electron/services/ipc/sender-policy';
import type { Keychain } from '../../../../../electron/services/keychain/keychain';
import { silentLogger } from '../../../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../../../../electron/services/sync/server.confirmation';
import { createServices, type Services } from '../../../../../electron/services/services';
import type { VaultService } from '../../../../../electron/services/vault/vault.service';
import { AppError } from '../../../../../shared/errors';
import type { ChannelInput, ChannelName, ChannelOutput, EventName } from '../../../../../shared/ipc/contract';
import type { SyncStatus } from '../../../../../shared/sync/sync.contract';
import { TEST_KDF } from '../../../support/vault';
import { UnsupportedAuthenticator } from '../../../../../electron/services/auth/os-authenticator';

const SENDER: SenderInfo = { transport: 'test', url: 'test://sync', isMainFrame: true };
export const CALL: CallContext = { sender: SENDER, callId: 'test' };

/**
 * One device: the shipped composition root (`createServices`) over its own data dir and a real
 * keychain entry; only the OS seams (keychain) and timing knobs (no background sync, a cheap
 * recovery KDF) are the test's. Channels go through the real IPC router.
 */
export interface TestClient {
  readonly name: string;
  readonly dataDir: string;
  readonly keychain: Keychain;
  readonly services: Services;
  readonly vault: VaultService;
  /** Every `sync.statusChanged` payload, in order. */
  readonly statuses: SyncStatus[];
  /** Every event the router pushed, in order. */
  readonly events: { event: EventName; payload: unknown }[];
  /** Calls a channel through the router; resolves to its value or throws its AppError. */
  call<C extends ChannelName>(channel: C, input?: ChannelInput<C>): Promise<ChannelOutput<C>>;
  crm(): CrmService;
  vaultId(): string | null;
  dispose(): Promise<void>;
}

export async function createClient(
  name: string,
  dataDir: string,
  keychain: Keychain,
  options: { autoSync?: boolean; now?: () => number; maxDriftMs?: number; policy?: unknown } = {},
): Promise<TestClient> {
  const services = createServices({
    dataDir,
    appInfo: { name: 'FieldVault', version: '0.0.0-test', platform: 'linux' },
    logger: silentLogger,
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    keychain,
    policy: new MemoryPolicySource(options.policy === undefined ? {} : { machine: options.policy }),
    serverConfirmation: allowListConfirmation(),
    authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
    ...(options.now ? { now: options.now } : {}),
    tuning: { autoSync: options.autoSync ?? false, recoveryKdf: TEST_KDF, maxDriftMs: options.maxDriftMs },
  });
  const statuses: SyncStatus[] = [];
  const events: { event: EventName; payload: unknown }[] = [];
  services.router.onEvent((event, payload) => {
    events.push({ event, payload });
    if (event === 'sync.statusChanged') statuses.push(payload as SyncStatus);
  });
  async function call<C extends ChannelName>(channel: C, input?: ChannelInput<C>): Promise<ChannelOutput<C>> {
    const result = await services.router.dispatch(channel, input, SENDER);
    if (!result.ok) throw new AppError(result.error.code, result.error.message);
    // The router parsed the value with this channel's output schema.
    return result.value as ChannelOutput<C>;
  }
  await call('vault.setup');
  return {
    name,
    dataDir,
    keychain,
    services,
    vault: services.parts.vault,
    statuses,
    events,
    call,
    crm: () => services.parts.crm(),
    vaultId: () => services.parts.vault.status().vaultId ?? null,
    dispose: () => services.dispose(),
  };
}

type Row = Record<string, unknown>;

/** Replicated CRM state of a client: every record column, `updatedBy`/`createdBy` included. */
export function crmState(db: Db): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const def of Object.values(entityDefs)) {
    out[def.kind] = db.prepare<[], Row>(`SELECT * FROM ${def.table} ORDER BY id`).all();
  }
  return out;
}

export function vaultFilesExist(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'vault'));
}
