import type { AppInfo } from '../../shared/ipc/channels/app.channels';
import { createAppHandlers } from './app/app.handlers';
import { createCrmModule } from './crm/crm.module';
import { crmMigrations } from './crm/crm.migrations';
import { IpcRouter, type Handlers, type SenderPolicy } from './ipc/router';
import type { Keychain } from './keychain/keychain';
import type { Logger } from './log/logger';
import type { ModuleContext } from './module';
import { createSettingsModule } from './settings/settings.module';
import { createSyncModule } from './sync/sync.module';
import { syncMigrations } from './sync/sync.migrations';
import { createVaultModule } from './vault/vault.module';

/** Everything the services need from the shell that hosts them (Electron or the dev host). */
export interface ServiceOptions {
  /** Directory that holds the vault and everything else the app writes. */
  readonly dataDir: string;
  readonly appInfo: AppInfo;
  readonly logger: Logger;
  readonly isTrustedSender: SenderPolicy;
  /** The OS keychain (keytar in the app and the dev host; a test double only in unit tests). */
  readonly keychain: Keychain;
  /** Wall clock, injectable for tests. */
  readonly now?: () => number;
}

/** The composed services behind one router. */
export interface Services {
  readonly router: IpcRouter;
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
  const vault = createVaultModule(
    { ...ctx, logger: options.logger.child({ component: 'vault' }) },
    { keychain: options.keychain, migrations: [crmMigrations, syncMigrations] },
  );
  const crm = createCrmModule({ ...ctx, logger: options.logger.child({ component: 'crm' }) }, vault.access);
  const sync = createSyncModule(
    { ...ctx, logger: options.logger.child({ component: 'sync' }) },
    vault.access,
  );
  const settings = createSettingsModule({ ...ctx, logger: options.logger.child({ component: 'settings' }) });
  const modules = [sync, crm, settings, vault];

  const handlers: Handlers = {
    ...createAppHandlers(options.appInfo),
    ...vault.handlers,
    ...crm.handlers,
    ...sync.handlers,
    ...settings.handlers,
  };
  router = new IpcRouter(handlers, {
    isTrustedSender: options.isTrustedSender,
    logger: options.logger.child({ component: 'ipc' }),
  });
  let disposed: Promise<void> | null = null;
  return {
    router,
    async lockVault() {
      if (vault.access.isUnlocked()) await vault.service.lock('user');
    },
    dispose() {
      // Sync and CRM stop first; the vault closes last so nothing touches a closed database.
      disposed ??= (async () => {
        for (const module of modules) await module.dispose?.();
      })();
      return disposed;
    },
  };
}
