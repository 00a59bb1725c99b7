import type { Db } from '../db/database';
import type { vaultChannels } from '../../../shared/ipc/channels/vault.channels';
import type { UserPresence } from '../auth/user-presence';
import type { MigrationSet } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from './vault.access';
import { AutoLock } from './vault.autolock';
import type { BackupLocation } from './vault.backupdir';
import type { Retention } from './vault.backups';
import type { ReleaseGate } from './vault.internals';
import type { ScryptParams } from './vault.recovery';
import type { UnlockerPolicy } from './vault.unlock-methods';
import type { PinKdf } from './vault.unlockers';
import { VaultService, type FaultPoint } from './vault.service';
import type { SessionSignals } from './vault.session';

export type VaultChannelName = keyof typeof vaultChannels;

export interface VaultModuleOptions {
  readonly keychain: Keychain;
  readonly migrations: readonly MigrationSet[];
  /** The OS user check for unlock and sensitive actions (see `UserPresence`). */
  readonly presence?: UserPresence;
  /** System idle time and session events; with them main locks the vault itself. */
  readonly session?: SessionSignals;
  /** The effective lock timeout in minutes (0: never), read at each idle check. */
  readonly lockTimeoutMinutes?: () => number;
  /** How often main reads the system idle time (default 5 s; tests shorten it). */
  readonly autoLockPollMs?: number;
  /** IT's word on the PIN and escrow unlockers, read at each use. */
  readonly unlockerPolicy?: () => Promise<UnlockerPolicy>;
  /** Retention (policy over settings: keep N, by age), read at each backup. */
  readonly backupRetention: () => Retention;
  /** The backup directory policy or settings name (read at each use); null: inside the vault. */
  readonly backupLocation?: () => BackupLocation | null;
  /** The offline lease's release gate. */
  readonly releaseGate?: ReleaseGate;
  /** When the last person was erased in the open vault (issue 12); absent: backups are never marked. */
  readonly lastErasedAt?: (db: Db) => number | null;
  readonly appVersion?: string;
  /** Test hooks; the app passes neither. */
  readonly recoveryKdf?: ScryptParams;
  readonly pinKdf?: PinKdf;
  readonly fault?: (point: FaultPoint) => void;
}

/** The vault: lifecycle channels, the database handle other modules use, and locking in main. */
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
    presence: options.presence,
    recoveryKdf: options.recoveryKdf,
    pinKdf: options.pinKdf,
    unlockerPolicy: options.unlockerPolicy,
    fault: options.fault,
    appVersion: options.appVersion,
    backupLocation: options.backupLocation,
    releaseGate: options.releaseGate,
    lastErasedAt: options.lastErasedAt,
    onLocked: (reason) => ctx.emit('vault.locked', { reason }),
    onUnlocked: (vaultId) => ctx.emit('vault.unlocked', { vaultId }),
  });
  const autoLock = options.session
    ? new AutoLock({
        session: options.session,
        timeoutMinutes: options.lockTimeoutMinutes ?? (() => 0),
        isUnlocked: () => service.access.isUnlocked(),
        lock: (reason) => service.lock(reason),
        logger: ctx.logger,
        pollMs: options.autoLockPollMs,
      })
    : null;
  autoLock?.start();
  return {
    access: service.access,
    service,
    handlers: {
      'vault.status': () => service.statusWithKeychain(),
      'vault.setup': () => service.setup(),
      'vault.unlock': () => service.unlock(),
      'vault.lock': () => service.lock('user'),
      'vault.recover': ({ recoveryCode }) => service.recover(recoveryCode),
      'vault.backup': () => service.backup(options.backupRetention()),
      'vault.listBackups': () => service.listBackups(),
      'vault.restore': ({ backupId, recoveryCode }) => service.restore(backupId, recoveryCode),
      'vault.deleteBackup': ({ backupId }) => service.deleteBackups({ backupId }),
      'vault.deleteBackupsBefore': ({ before }) => service.deleteBackups({ before }),
      'vault.purgeErasedBackups': () => service.purgeErasedBackups(),
      'vault.importBackup': ({ path }) => service.importBackup(path),
      'vault.rekey': () => service.rekey(),
      'vault.onboarding': () => ({ recoveryConfirmed: service.recoveryConfirmed() }),
      'vault.renewRecoveryCode': async () => ({ recoveryCode: await service.renewRecoveryCode() }),
      'vault.confirmRecoveryCode': async () => ({ recoveryConfirmed: await service.confirmRecoveryCode() }),
      'vault.unlockers.list': () => service.listUnlockers(),
      'vault.pin.set': ({ pin }) => service.setPin(pin),
      'vault.pin.remove': () => service.removePin(),
      'vault.unlockWithPin': ({ pin }) => service.unlockWithPin(pin),
    },
    dispose: async () => {
      autoLock?.stop();
      await service.dispose();
    },
  };
}
