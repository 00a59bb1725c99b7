import { AppError } from '../../../shared/errors';
import type { syncChannels } from '../../../shared/ipc/channels/sync.channels';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { parseInviteCode } from '../../../shared/sync/invite';
import type { ChangePipeline } from '../crm/change.pipeline';
import { requireAllowedServer, type PolicyReader } from '../policy/policy.guards';
import type { ServerConfirmation } from './sync.enrolment';
import type { Db } from '../db/database';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from '../vault/vault.access';
import { SyncEngine } from './sync.engine';
import type { PageApplier } from './sync.inbox';

export type SyncChannelName = keyof typeof syncChannels;

/** Options of the sync module; the composition root passes none in the app. */
export interface SyncModuleOptions {
  /** Background sync with long-poll and backoff (default true); tests call `sync.now` themselves. */
  readonly autoSync?: boolean;
  /** Drift guard tolerance in ms (default: MAX_DRIFT_MS, 5 minutes). */
  readonly maxDriftMs?: number;
  /** The write gate shared with the database worker (the composition root passes it). */
  readonly writeGate?: { shared<T>(fn: () => Promise<T>): Promise<T> };
  /** Applies pulled pages off main's thread (the composition root passes its database workers'). */
  readonly pages?: PageApplier;
}

/** True when IT's policy names this server, so main need not ask the user to confirm it. */
async function managedServer(policy: PolicyReader): Promise<boolean> {
  const { values } = await policy.ready();
  return values.serverUrl !== undefined;
}

/** Workspace, invites, devices, the sync engine and conflicts. */
export function createSyncModule(
  ctx: ModuleContext,
  vault: VaultAccess,
  pipeline: () => ChangePipeline,
  policy: PolicyReader,
  confirmation: ServerConfirmation,
  options: SyncModuleOptions = {},
): ServiceModule<SyncChannelName> & { readonly engine: () => SyncEngine } {
  let engine: SyncEngine | null = null;
  let engineDb: Db | null = null;

  // A revoked device destroys its whole vault: database, WAL, recovery wrap, backups, keychain entry.
  const wipe = async (): Promise<void> => {
    await vault.wipe();
    ctx.logger.log('warn', 'sync.vaultWiped', {});
  };

  const current = (): SyncEngine => {
    const db = vault.db();
    if (!engine || engineDb !== db) {
      engine?.stop();
      engineDb = db;
      engine = new SyncEngine({
        db,
        pipeline,
        logger: ctx.logger,
        now: ctx.now,
        onStatus: (status) => ctx.emit('sync.statusChanged', status),
        wipe,
        confirmation,
        autoSync: options.autoSync ?? true,
        maxDriftMs: options.maxDriftMs,
        escrowKey: async () => (await policy.ready()).values.escrowKey,
        writeGate: options.writeGate,
        pages: options.pages,
      });
      engine.start();
    }
    return engine;
  };

  const unsubscribeUnlocked = vault.onUnlocked(() => {
    try {
      current();
    } catch (error) {
      ctx.logger.log('error', 'sync.startFailed', {
        code: error instanceof AppError ? error.code : 'INTERNAL',
      });
    }
  });
  const unsubscribeLocking = vault.onLocking(() => {
    engine?.stop();
    engine = null;
    engineDb = null;
  });

  const syncNow = async (): Promise<SyncStatus> => {
    const e = current();
    try {
      return await e.syncNow();
    } catch (error) {
      // Sync failures (offline, revoked, …) are in the status; a locked vault is the caller's error.
      if (error instanceof AppError && error.code === 'VAULT_LOCKED') throw error;
      return e.status();
    }
  };

  return {
    engine: current,
    handlers: {
      'workspace.create': async ({ serverUrl, name, deviceName, enrolmentCode }) => {
        const code = await requireAllowedServer(policy, serverUrl, enrolmentCode);
        const managed = await managedServer(policy);
        return current().createWorkspace(serverUrl, name, { deviceName, enrolmentCode: code, managed });
      },
      'invites.create': (input) => current().createInvite(input.ttlHours, input.role),
      'invites.accept': async ({ code, deviceName }) => {
        const invite = parseInviteCode(code);
        invite.secret.fill(0);
        await requireAllowedServer(policy, invite.serverUrl, undefined);
        const managed = await managedServer(policy);
        return current().acceptInvite(code, { deviceName, managed });
      },
      'sync.now': () => syncNow(),
      'sync.status': () => current().status(),
      'sync.resync': () => current().resync(),
      'devices.list': () => current().devices(),
      'devices.revoke': ({ deviceId }) => current().revokeDevice(deviceId),
      'sync.rotateKey': () => current().rotateKey(),
      'sync.snapshot': () => current().createSnapshot(),
      'devices.setRole': ({ deviceId, role }) => current().setRole(deviceId, role),
      'conflicts.list': () => current().conflicts(),
      'conflicts.resolve': ({ conflictId, keep }) => current().resolveConflict(conflictId, keep),
    },
    dispose() {
      unsubscribeUnlocked();
      unsubscribeLocking();
      engine?.stop();
      engine = null;
    },
  };
}
