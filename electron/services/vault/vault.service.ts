import { AppError } from '../../../shared/errors';
import type {
  BackupInfo,
  RestoreSummary,
  UnlockersView,
  VaultStatus,
} from '../../../shared/ipc/channels/vault.channels';
import type { UserPresence } from '../auth/user-presence';
import { schemaVersions } from '../db/migrate';
import type { VaultAccess } from './vault.access';
import * as backups from './vault.backups';
import type { LockReason, OpenOptions, VaultInternals } from './vault.internals';
import { secretCopy, type KeySet } from './vault.keyset';
import { VaultKeystore } from './vault.keystore';
import { VaultLayout } from './vault.layout';
import type { VaultServiceOptions } from './vault.options';
import { keysFromRecoveryCode } from './vault.recover';
import { RECOVERY_KDF } from './vault.recovery';
import { rekeyVault } from './vault.rekey';
import { readOnboarding, renewRecoveryCode, writeOnboarding } from './vault.renew';
import { backupNow, restoreVault } from './vault.restore';
import { createVault } from './vault.setup';
import { VaultState } from './vault.state';
import { wipeVaultFiles } from './vault.wipe';
import {
  keychainState,
  listUnlockers,
  removePin,
  setPin,
  syncUnlockers,
  unlockWithPin,
  type UnlockerDeps,
} from './vault.unlock-methods';
import { UnlockerStore } from './vault.unlockers';

export type { FaultPoint, LockReason } from './vault.internals';

export type { VaultServiceOptions } from './vault.options';

/**
 * The vault lifecycle: set up, unlock, lock, recover, back up, restore, rekey, wipe. One operation at
 * a time. The files are described in `VaultLayout`; the open database and key set are `VaultState`'s;
 * rekey, backup and restore live in their own files and work through `VaultInternals`.
 *
 * Invariant that makes every step crash-safe: the keychain entry and the recovery wrap each always
 * contain the key the database file is encrypted with. Changes add a key before the file moves to it
 * and drop the old one only after; unlock tries every key and then tidies the set.
 *
 * Unlock asks the OS to confirm the user (`UserPresence`) before the key leaves the keychain, so a
 * refused check leaves nothing read and nothing opened.
 */
export class VaultService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly layout: VaultLayout;
  private readonly state: VaultState;
  private readonly keystore: VaultKeystore;
  private readonly internals: VaultInternals;
  private readonly unlockers: UnlockerDeps;
  readonly access: VaultAccess;

  constructor(private readonly options: VaultServiceOptions) {
    this.layout = new VaultLayout(options.dataDir, options.backupLocation);
    // Leftovers of a crash (half-written backups, copies of an interrupted rekey or restore) go at start.
    try {
      this.layout.cleanupLeftovers();
    } catch {
      options.logger.log('warn', 'vault.cleanupFailed', {});
    }
    this.keystore = new VaultKeystore(options.keychain, this.layout);
    this.state = new VaultState(this.layout, this.keystore, options, () => this.wipe());
    this.access = this.state.access;
    this.internals = {
      layout: this.layout,
      keystore: this.keystore,
      logger: options.logger,
      now: options.now,
      appVersion: options.appVersion,
      fault: (point) => options.fault?.(point),
      open: () => {
        const { db, keys } = this.state;
        return db && keys ? { db, keys } : null;
      },
      openWith: (vaultId, set, opts) => this.openWith(vaultId, set, opts),
      closeDb: () => this.state.closeDb(),
      dropKeys: () => this.state.dropKeys(),
      lockNow: (reason) => this.state.lockNow(reason),
    };
    this.unlockers = {
      v: this.internals,
      store: new UnlockerStore(this.layout, options.now),
      keychain: options.keychain,
      policy: options.unlockerPolicy ?? (() => Promise.resolve({ pin: 'allowed' })),
      confirm: () => this.confirm('unlockers'),
      pinKdf: options.pinKdf,
    };
  }

  get dir(): string {
    return this.layout.dir;
  }
  get dbFile(): string {
    return this.layout.dbFile;
  }
  get backupDir(): string {
    return this.layout.backupDir;
  }

  /** Runs lifecycle operations one after another, never interleaved. */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the OS confirmed the user (when the unlock method asks for it). */
  private async confirm(reason: Parameters<UserPresence['confirm']>[0]): Promise<void> {
    await this.options.presence?.confirm(reason);
  }

  status(): VaultStatus {
    const m = this.layout.manifest();
    if (!m) return { state: 'not_set_up', vaultId: null, cipher: null, schema: null };
    return {
      state: this.state.db ? 'unlocked' : 'locked',
      vaultId: m.vaultId,
      cipher: m.cipher,
      schema: this.state.db ? { ...(this.state.schema ?? schemaVersions(this.state.db)) } : null,
    };
  }

  /** `status()`, and while locked whether the keychain can open the vault (`keychain`). */
  async statusWithKeychain(): Promise<VaultStatus> {
    const status = this.status();
    if (status.state !== 'locked' || !status.vaultId) return status;
    return { ...status, keychain: await keychainState(this.unlockers, status.vaultId) };
  }

  listUnlockers(): Promise<UnlockersView> {
    return listUnlockers(this.unlockers);
  }

  /** Sets the PIN/passphrase unlocker (vault open, policy allows, OS confirmed); the database is untouched. */
  setPin(pin: string): Promise<UnlockersView> {
    return this.serial(async () => {
      await setPin(this.unlockers, pin);
      return listUnlockers(this.unlockers);
    });
  }

  removePin(): Promise<UnlockersView> {
    return this.serial(async () => {
      await removePin(this.unlockers);
      return listUnlockers(this.unlockers);
    });
  }

  unlockWithPin(pin: string): Promise<VaultStatus> {
    return this.serial(async () => {
      await unlockWithPin(this.unlockers, pin);
      return this.status();
    });
  }

  /** Applies a policy change to the escrow and PIN unlockers now (removals even while locked). */
  syncUnlockers(): Promise<void> {
    return this.serial(() => syncUnlockers(this.unlockers));
  }

  setup(): Promise<{ status: VaultStatus; recoveryCode: string }> {
    return this.serial(async () => {
      const made = await createVault({
        layout: this.layout,
        keystore: this.keystore,
        now: this.options.now,
        migrations: this.options.migrations,
        recoveryKdf: this.options.recoveryKdf ?? RECOVERY_KDF,
        fault: (point) => this.options.fault?.(point),
      });
      const { db, set, vaultId, code } = made;
      writeOnboarding(this.layout, false);
      this.state.opened(db, set, vaultId, made.schema);
      await syncUnlockers(this.unlockers);
      this.options.logger.log('info', 'vault.setUp', { vaultId });
      return { status: this.status(), recoveryCode: code };
    });
  }

  unlock(): Promise<VaultStatus> {
    return this.serial(async () => {
      if (this.state.db) return this.status();
      const m = this.layout.requireManifest();
      // The OS confirms the user before the key is even read from the keychain.
      await this.confirm('unlock');
      const set = await this.keystore.load(m.vaultId);
      await this.openWith(m.vaultId, set, { release: 'keychain' });
      return this.status();
    });
  }

  lock(reason: LockReason = 'user'): Promise<VaultStatus> {
    return this.serial(() => {
      this.state.lockNow(reason);
      return this.status();
    });
  }

  recover(typedCode: string): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.layout.requireManifest();
      const ordered = await keysFromRecoveryCode(
        { layout: this.layout, keystore: this.keystore, logger: this.options.logger, now: this.options.now },
        m.vaultId,
        typedCode,
        () => {
          if (this.state.db) this.state.lockNow('user');
        },
      );
      // The recovery code is the owner's say-so: a file older than the counter is accepted here.
      await this.openWith(m.vaultId, ordered, { adoptOlder: true, release: 'recovery' });
      this.options.logger.log('info', 'vault.recovered', { vaultId: m.vaultId });
      return this.status();
    });
  }

  /**
   * A new recovery code after the OS confirmed the user; the old code stops working. The person must
   * confirm the new one (`confirmRecoveryCode`), and until then the onboarding shows it again.
   */
  renewRecoveryCode(): Promise<string> {
    return this.serial(async () => {
      this.layout.requireManifest();
      if (!this.state.db)
        throw new AppError('VAULT_LOCKED', 'Unlock the vault before renewing its recovery code');
      await this.confirm('recovery-code');
      return renewRecoveryCode(this.internals, this.options.recoveryKdf ?? RECOVERY_KDF, (set) =>
        this.state.replaceKeys(set),
      );
    });
  }

  /** Records that the person has written down the current recovery code (onboarding done). */
  confirmRecoveryCode(): Promise<true> {
    return this.serial(() => {
      this.layout.requireManifest();
      writeOnboarding(this.layout, true);
      return true as const;
    });
  }

  /** Whether the current recovery code was confirmed; a vault from before this record counts as confirmed. */
  recoveryConfirmed(): boolean {
    if (!this.layout.manifest()) return false;
    return readOnboarding(this.layout) ?? true;
  }

  /**
   * Backs up now; `retention` (keep N, by age: policy or settings) is applied in the same step, so the
   * limit holds whatever else runs.
   */
  backup(retention: backups.Retention = {}): Promise<BackupInfo> {
    return this.serial(() => {
      const made = backupNow(this.internals, 'backup');
      if (this.state.keys)
        backups.pruneBackups(
          this.layout,
          retention,
          this.options.now(),
          this.state.keys,
          this.options.logger,
        );
      return made;
    });
  }

  /**
   * The database file and a fresh copy (its own buffer) of the key it is encrypted with, for a
   * database worker's connection: the caller transfers the copy to the worker, which zeroes it once
   * SQLite holds it. Only the composition root wires this, to the worker pool; services see
   * `VaultAccess`, which has no key. VAULT_LOCKED while locked.
   */
  keyForWorker(): { file: string; key: Uint8Array } {
    const key = this.state.db ? this.state.keys?.keys[0]?.key : undefined;
    if (!key) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    return { file: this.layout.dbFile, key: secretCopy(key) };
  }

  /** Unlocked: the backups whose every byte verifies; locked: those whose header reads. */
  listBackups(): BackupInfo[] {
    this.layout.checkedBackupDir(false);
    return backups.listBackups(this.layout, this.state.keys, this.erasedAt());
  }

  private erasedAt(): number | null {
    return this.state.db && this.options.lastErasedAt ? this.options.lastErasedAt(this.state.db) : null;
  }

  /** Deletes every backup that still holds erased data, after the OS confirms the user (issue 12). */
  purgeErasedBackups(): Promise<{ deleted: number }> {
    return this.serial(async () => {
      this.layout.requireManifest();
      if (!this.state.keys || !this.state.db)
        throw new AppError('VAULT_LOCKED', 'Unlock the vault before deleting backups');
      await this.confirm('erase');
      return backups.purgeErasedBackups(this.layout, this.state.keys, this.erasedAt(), this.options.logger);
    });
  }

  restore(backupId: string, recoveryCode?: string): Promise<VaultStatus & { restored: RestoreSummary }> {
    return this.serial(async () => {
      this.layout.requireManifest();
      await this.confirm('restore');
      const restored = await restoreVault(this.internals, backupId, {
        ...(recoveryCode !== undefined ? { recoveryCode } : {}),
        ...(this.state.db ? {} : { release: 'keychain' as const }),
      });
      return { ...this.status(), restored };
    });
  }

  /** Deletes one backup, or every one before a time (the newest stays), after the OS confirms the user. */
  deleteBackups(which: { backupId: string } | { before: string }): Promise<{ deleted: number }> {
    return this.serial(async () => {
      this.layout.requireManifest();
      if (!this.state.keys) throw new AppError('VAULT_LOCKED', 'Unlock the vault before deleting backups');
      await this.confirm('erase');
      return 'backupId' in which
        ? backups.deleteBackup(this.layout, which.backupId, this.options.logger)
        : backups.deleteBackupsBefore(this.layout, which.before, this.state.keys, this.options.logger);
    });
  }

  /** Copies a verified backup of this vault from `source` into the backup directory. */
  importBackup(source: string): Promise<BackupInfo> {
    return this.serial(() => {
      if (!this.state.keys) throw new AppError('VAULT_LOCKED', 'Unlock the vault before adding a backup');
      return backups.importBackup(this.layout, source, this.state.keys, this.options.logger);
    });
  }

  rekey(): Promise<VaultStatus> {
    return this.serial(async () => {
      this.layout.requireManifest();
      if (!this.state.db) throw new AppError('VAULT_LOCKED', 'Unlock the vault before changing its key');
      await this.confirm('rekey');
      await rekeyVault(this.internals);
      return this.status();
    });
  }

  /** Destroys this vault (a revoked device): locks it, then `wipeVaultFiles` (keychain entry first). */
  wipe(): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.layout.manifest();
      this.state.lockNow('revoked');
      await wipeVaultFiles(
        { layout: this.layout, keystore: this.keystore, logger: this.options.logger },
        m?.vaultId ?? null,
      );
      return this.status();
    });
  }

  /** Locks the vault (closing the database, zeroing keys). Safe to call twice. */
  async dispose(): Promise<void> {
    await this.lock('quit');
  }

  // ---- internals ----

  /** `VaultState.open`, then the unlockers catch up with the open vault (policy, keychain backend). */
  private async openWith(vaultId: string, set: KeySet, options: OpenOptions = {}): Promise<void> {
    await this.state.open(vaultId, set, options);
    await syncUnlockers(this.unlockers);
  }
}
