import path from 'node:path';
import type { AppInfo } from '../../shared/ipc/channels/app.channels';
import { createAppHandlers } from './app/app.handlers';
import { auditMigrations } from './audit/audit.migrations';
import { createAuditModule } from './audit/audit.module';
import type { AuditService } from './audit/audit.service';
import { createAuthModule } from './auth/auth.module';
import type { OsAuthenticator } from './auth/os-authenticator';
import { createCrmModule } from './crm/crm.module';
import type { CrmService } from './crm/crm.service';
import { crmMigrations } from './crm/crm.migrations';
import { lastErasedAt } from './crm/erasure.marks';
import { IpcRouter, type Handlers, type SenderPolicy } from './ipc/router';
import type { Keychain } from './keychain/keychain';
import type { Logger } from './log/logger';
import type { ModuleContext } from './module';
import { createPolicyModule } from './policy/policy.module';
import { createPeopleModule } from './people/people.module';
import { createReportsModule } from './reports/reports.module';
import { createViewsModule } from './views/views.module';
import type { PolicyService } from './policy/policy.service';
import type { PolicySource } from './policy/policy.source';
import { createSettingsModule } from './settings/settings.module';
import type { SyncEngine } from './sync/sync.engine';
import { membershipMigrations } from './sync/membership.migrations';
import type { Notifier } from './crm/reminders';
import type { ServerConfirmation } from './sync/sync.enrolment';
import { offloadedPages } from './sync/sync.page.offload';
import { createSyncModule } from './sync/sync.module';
import { forgetErasedInSync } from './sync/sync.repository';
import { syncMigrations } from './sync/sync.migrations';
import { createLeaseModule } from './lease/lease.module';
import { leaseMigrations } from './lease/lease.migrations';
import { readSettings } from './settings/settings.module';
import { applyPolicyToSettings } from '../../shared/policy/policy.settings';
import { createVaultModule } from './vault/vault.module';
import { DbWorkers } from './worker/db.worker.client';
import type { DbWorkerFault } from './worker/db.worker.protocol';
import { isGatedChannel, WriteGate } from './worker/write.gate';
import type { ScryptParams } from './vault/vault.recovery';
import type { PinKdf } from './vault/vault.unlockers';
import { unlockerPolicyOf } from '../../shared/policy/policy.unlockers';
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
   * The OS user check before unlock and sensitive actions (polkit, Touch ID; the file-scripted double
   * behind the dev host's `--auth-script`). Required, so no host can leave it out by accident: a host
   * with no check says so with an `UnsupportedAuthenticator` (logged once as `auth.noOsCheck`), and
   * the vault then opens from the keychain alone unless IT's policy requires the check, which then
   * fails with AUTH_UNAVAILABLE.
   */
  readonly authenticator: OsAuthenticator;
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
  /** PIN KDF cost (default: the production argon2id parameters). */
  readonly pinKdf?: PinKdf;
  /** How often main looks at the offline lease while unlocked (default 60 s). */
  readonly leaseTickMs?: number;
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
  /** The security log (the `AuditSink` services record through). */
  readonly audit: AuditService;
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
  // Pushed events that are security events (locks, policy changes) also go to the audit log.
  let audit: ReturnType<typeof createAuditModule> | null = null;
  const ctx: ModuleContext = {
    dataDir: options.dataDir,
    logger: options.logger,
    emit: (event, payload) => {
      router?.emit(event, payload);
      audit?.emitted(event, payload);
    },
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
  // Backup retention and location: IT's policy over the user's settings, read at each use.
  const backupSettings = () =>
    applyPolicyToSettings(readSettings(options.dataDir), policy.service.current().values);
  const lease = createLeaseModule(
    { ...ctx, logger: options.logger.child({ component: 'lease' }) },
    path.join(options.dataDir, 'vault'),
    policy.service,
    { tickMs: options.tuning?.leaseTickMs },
  );
  // The database worker's write lock (see worker/write.gate.ts): main-side writers wait behind it.
  const gate = new WriteGate();
  const vault = createVaultModule(
    { ...ctx, logger: options.logger.child({ component: 'vault' }) },
    {
      keychain: options.keychain,
      migrations: [crmMigrations, syncMigrations, membershipMigrations, auditMigrations, leaseMigrations],
      backupRetention: () => {
        const s = backupSettings();
        return { keep: s.backupRetentionCount ?? undefined, maxAgeDays: s.backupRetentionDays ?? undefined };
      },
      backupLocation: () => {
        const dir = backupSettings().backupDirectory;
        if (dir === null) return null;
        return {
          dir,
          source: policy.service.current().values.backupDirectory !== undefined ? 'policy' : 'settings',
        };
      },
      releaseGate: lease.gate,
      lastErasedAt,
      appVersion: options.appInfo.version,
      unlockerPolicy: async () => {
        const effective = await policy.service.ready();
        return unlockerPolicyOf(effective.values, effective.restricted);
      },
      recoveryKdf: options.tuning?.recoveryKdf,
      pinKdf: options.tuning?.pinKdf,
      ...auth.vaultOptions,
    },
  );
  // Heavy vault work runs on worker threads; main's writes wait behind the gate while one writes.
  const workers = new DbWorkers({
    keys: vault.service,
    gate,
    logger: options.logger.child({ component: 'dbWorker' }),
    now: ctx.now,
    workerUrl: options.dbWorkerUrl,
    fault: options.tuning?.dbWorkerFault,
  });
  // Registered before the audit log's: a lock stops the worker's write first, so the log's
  // checkpoint at lock does not wait for an import to commit.
  const offLocking = vault.access.onLocking(() => workers.lockAll());
  audit = createAuditModule({ ...ctx, logger: options.logger.child({ component: 'audit' }) }, vault.access, {
    keychain: options.keychain,
    version: options.appInfo.version,
    // An event recorded while an import writes (an export, a refused call) waits for its commit.
    whenWritable: (append) => (gate.busy ? void gate.shared(append) : append()),
  });
  lease.attach(vault.access, () => vault.service.lock('lease-expired'));
  const crm = createCrmModule(
    { ...ctx, logger: options.logger.child({ component: 'crm' }) },
    vault.access,
    policy.service,
    options.notifier,
    workers,
    // CSV names owners by the members' display names (read when an export or import runs).
    () => people.members(),
    // Held-back remote ops and conflict sides lose what an erasure removes, in its transaction.
    forgetErasedInSync,
  );
  const sync = createSyncModule(
    { ...ctx, logger: options.logger.child({ component: 'sync' }) },
    vault.access,
    crm.pipeline,
    policy.service,
    options.serverConfirmation,
    {
      autoSync: options.tuning?.autoSync,
      maxDriftMs: options.tuning?.maxDriftMs,
      writeGate: gate,
      // Pulled pages are opened and applied on a database worker thread.
      pages: offloadedPages(ctx, crm.pipeline, workers),
    },
  );
  const settings = createSettingsModule(
    { ...ctx, logger: options.logger.child({ component: 'settings' }) },
    policy.service,
  );
  const reports = createReportsModule(
    { ...ctx, logger: options.logger.child({ component: 'reports' }) },
    crm.service,
  );
  const people = createPeopleModule(
    { ...ctx, logger: options.logger.child({ component: 'people' }) },
    crm.service,
    () => sync.engine().loggedMembers(),
  );
  const views = createViewsModule(
    { ...ctx, logger: options.logger.child({ component: 'views' }) },
    crm.service,
  );
  // An escrow key or PIN rule IT changes reaches the unlockers at once, not only at the next unlock.
  const stopPolicyWatch = policy.service.onChange(() => void vault.service.syncUnlockers());
  const modules = [sync, reports, people, views, crm, settings, lease, policy, vault, audit];

  const handlers: Handlers = auth.guard({
    ...createAppHandlers(options.appInfo),
    ...vault.handlers,
    ...crm.handlers,
    ...sync.handlers,
    ...settings.handlers,
    ...policy.handlers,
    ...reports.handlers,
    ...people.handlers,
    ...views.handlers,
    ...audit.handlers,
    ...lease.handlers,
  });
  // Audited outside the OS check, so a refused check or a policy refusal is recorded too.
  router = new IpcRouter(audit.wrap(handlers), {
    isTrustedSender: options.isTrustedSender,
    logger: options.logger.child({ component: 'ipc' }),
    around: (channel, run) => (isGatedChannel(channel) ? gate.shared(run) : run()),
  });
  let disposed: Promise<void> | null = null;
  return {
    router,
    parts: {
      vault: vault.service,
      crm: crm.service,
      syncEngine: sync.engine,
      policy: policy.service,
      audit: audit.service,
    },
    async lockVault() {
      if (vault.access.isUnlocked()) await vault.service.lock('user');
    },
    dispose() {
      // Sync and CRM stop first; the vault closes last so nothing touches a closed database.
      disposed ??= (async () => {
        stopPolicyWatch();
        offLocking();
        workers.lockAll();
        for (const module of modules) await module.dispose();
      })();
      return disposed;
    },
  };
}
