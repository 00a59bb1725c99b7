import type { AppInfo } from '../../shared/ipc/channels/app.channels';
import { createAppHandlers } from './app/app.handlers';
import { createAuthModule } from './auth/auth.module';
import type { OsAuthenticator } from './auth/os-authenticator';
import { createCrmModule } from './crm/crm.module';
import type { CrmService } from './crm/crm.service';
import { crmMigrations } from './crm/crm.migrations';
import { IpcRouter, type Handlers, type SenderPolicy } from './ipc/router';
import type { Keychain } from './keychain/keychain';
import type { Logger } from './log/logger';
import type { ModuleContext } from './module';
import { createPolicyModule } from './policy/policy.module';
import type { PolicyService } from './policy/policy.service';
import type { PolicySource } from './policy/policy.source';
import { createSettingsModule } from './settings/settings.module';
import type { SyncEngine } from './sync/sync.engine';
import { membershipMigrations } from './sync/membership.migrations';
import type { Notifier } from './crm/reminders';
import type { ServerConfirmation } from './sync/sync.enrolment';
import { createSyncModule } from './sync/sync.module';
import { syncMigrations } from './sync/sync.migrations';
import { createVaultModule } from './vault/vault.module';
import { DbWorkers } from './worker/db.worker.client';
import type { DbWorkerFault } from './worker/db.worker.protocol';
import { isGatedChannel, WriteGate } from './worker/write.gate';
import type { ScryptParams } from './vault/vault.recovery';
import type { VaultService } from './vault/vault.service';
import type { SessionSignals } from './vault/vault.session';

/** Everything the services need from the shell that hosts them (Electron or the dev host). */
export interface ServiceOptions {
  /** Directory that holds the vault and everything else the app writes. */
  readonly dataDir: string;
  readonly appInfo: AppInfo;
  readonly logger: Logger;
  readonly isTrustedSender: SenderPolicy;
  /** The OS keychain (keytar in the app and the dev host; a test double only in unit tests). */
  readonly keychain: Keychain;
  /**
   * Where IT's managed policy comes from: the platform source in the app (`createPlatformPolicySource`),
   * the `--policy FILE` source in the dev host, `MemoryPolicySource` in tests.
   */
  readonly policy: PolicySource;
  /**
   * Main's own confirmation of a sync server origin the user typed (a native dialog in the app; the
   * dev host confirms loopback and the origins it was started with). Never the renderer.
   */
  readonly serverConfirmation: ServerConfirmation;
  /** Where task reminders go: OS notifications in the app; none in the dev host and tests. */
  readonly notifier?: Notifier;
  /**
   * The OS user check before unlock and sensitive actions (polkit, Touch ID; a scripted double in the
   * dev host's e2e). Without one the vault opens from the keychain alone, unless IT's policy requires
   * the check, which then fails with AUTH_UNAVAILABLE.
   */
  readonly authenticator?: OsAuthenticator;
  /** System idle time and session events, so main locks the vault itself (Electron's powerMonitor). */
  readonly session?: SessionSignals;
  /** Wall clock, injectable for tests. */
  readonly now?: () => number;
  /**
   * The database worker's entry script (the app's bundle passes `out/main/db.worker.js`); default:
   * beside the worker client, as source under tsx and vitest.
   */
  readonly dbWorkerUrl?: URL;
  /** Timing and cost knobs (tests shorten them); they change no wiring. */
  readonly tuning?: ServiceTuning;
}

/** Knobs that make tests fast without replacing any part of the composition. */
export interface ServiceTuning {
  /** Background sync with long-poll and backoff (default true); tests call `sync.now` themselves. */
  readonly autoSync?: boolean;
  /** Drift guard tolerance in ms (default 5 minutes). */
  readonly maxDriftMs?: number;
  /** Recovery-code KDF cost (default: the production scrypt parameters). */
  readonly recoveryKdf?: ScryptParams;
  /** How often main reads the system idle time (default 5 s). */
  readonly autoLockPollMs?: number;
  /** Tests only: a fault the database worker injects (its crash test). */
  readonly dbWorkerFault?: DbWorkerFault;
}

/** The composed parts, for the shell's own needs and for tests that look inside; never the renderer. */
export interface ServiceParts {
  readonly vault: VaultService;
  /** The CRM over the open vault (VAULT_LOCKED otherwise). */
  readonly crm: () => CrmService;
  /** The sync engine over the open vault (VAULT_LOCKED otherwise). */
  readonly syncEngine: () => SyncEngine;
  /** The effective managed policy, for modules that enforce a key. */
  readonly policy: PolicyService;
}

/** The composed services behind one router. */
export interface Services {
  readonly router: IpcRouter;
  readonly parts: ServiceParts;
  /** Locks the vault from the shell (menu, OS session lock); emits `vault.locked`. */
  lockVault(): Promise<void>;
  /** Closes databases and zeroes keys. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * The composition root: builds every service module and the handler map. Plain Node: no `electron`
 * import, so the same services run under Electron, the dev host and the tests.
 */
export function createServices(options: ServiceOptions): Services {
  let router: IpcRouter | null = null;
  const ctx: ModuleContext = {
    dataDir: options.dataDir,
    logger: options.logger,
    emit: (event, payload) => router?.emit(event, payload),
    now: options.now ?? Date.now,
  };
  const policy = createPolicyModule(
    { ...ctx, logger: options.logger.child({ component: 'policy' }) },
    options.policy,
  );
  // The OS user check and main's lock timer; the vault and the sensitive channels go through it.
  const auth = createAuthModule(
    { ...ctx, logger: options.logger.child({ component: 'auth' }) },
    policy.service,
    {
      authenticator: options.authenticator,
      session: options.session,
      autoLockPollMs: options.tuning?.autoLockPollMs,
    },
  );
  const vault = createVaultModule(
    { ...ctx, logger: options.logger.child({ component: 'vault' }) },
    {
      keychain: options.keychain,
      migrations: [crmMigrations, syncMigrations, membershipMigrations],
      backupRetention: () => policy.service.current().values.backupRetentionCount,
      recoveryKdf: options.tuning?.recoveryKdf,
      ...auth.vaultOptions,
    },
  );
  // Heavy vault work runs on worker threads; main's writes wait behind the gate while one writes.
  const gate = new WriteGate();
  const workers = new DbWorkers({
    keys: vault.service,
    gate,
    logger: options.logger.child({ component: 'dbWorker' }),
    now: ctx.now,
    workerUrl: options.dbWorkerUrl,
    fault: options.tuning?.dbWorkerFault,
  });
  const offLocking = vault.access.onLocking(() => workers.lockAll());
  const crm = createCrmModule(
    { ...ctx, logger: options.logger.child({ component: 'crm' }) },
    vault.access,
    policy.service,
    options.notifier,
    workers,
  );
  const sync = createSyncModule(
    { ...ctx, logger: options.logger.child({ component: 'sync' }) },
    vault.access,
    crm.pipeline,
    policy.service,
    options.serverConfirmation,
    { autoSync: options.tuning?.autoSync, maxDriftMs: options.tuning?.maxDriftMs, writeGate: gate },
  );
  const settings = createSettingsModule(
    { ...ctx, logger: options.logger.child({ component: 'settings' }) },
    policy.service,
  );
  const modules = [sync, crm, settings, policy, vault];

  const handlers: Handlers = auth.guard({
    ...createAppHandlers(options.appInfo),
    ...vault.handlers,
    ...crm.handlers,
    ...sync.handlers,
    ...settings.handlers,
    ...policy.handlers,
  });
  router = new IpcRouter(handlers, {
    isTrustedSender: options.isTrustedSender,
    logger: options.logger.child({ component: 'ipc' }),
    around: (channel, run) => (isGatedChannel(channel) ? gate.shared(run) : run()),
  });
  let disposed: Promise<void> | null = null;
  return {
    router,
    parts: { vault: vault.service, crm: crm.service, syncEngine: sync.engine, policy: policy.service },
    async lockVault() {
      if (vault.access.isUnlocked()) await vault.service.lock('user');
    },
    dispose() {
      // Sync and CRM stop first; the vault closes last so nothing touches a closed database.
      disposed ??= (async () => {
        offLocking();
        workers.lockAll();
        for (const module of modules) await module.dispose();
      })();
      return disposed;
    },
  };
}
