import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import type { BackupInfo, VaultStatus } from '../../../shared/ipc/channels/vault.channels';
import { mapOpenError, openEncryptedDatabase, STORE_CIPHER, type Db } from '../db/database';
import { migrate, schemaVersions, type MigrationSet, type SchemaVersions } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../log/logger';
import type { VaultAccess } from './vault.access';
import { extractBackup, readBackupHeader, writeBackupFile } from './vault.backup';
import { fsyncDir, mapFsError, renameDurable, writeFileAtomic } from './vault.files';
import {
  cloneKeySet,
  decodeKeySet,
  encodeKeySet,
  findKey,
  keyIdHex,
  newVaultKey,
  zeroKeySet,
  type KeySet,
  type VaultKey,
} from './vault.keyset';
import { vaultMigrations } from './vault.migrations';
import {
  generateRecoveryCode,
  newKek,
  readRecoverySalt,
  RECOVERY_KDF,
  RecoveryThrottle,
  unwrapWithCode,
  writeRecoveryFile,
  type ScryptParams,
} from './vault.recovery';
import { VaultRepository } from './vault.repository';

export type LockReason = 'user' | 'timeout' | 'quit' | 'restore' | 'revoked';

/**
 * Named points between the steps of set-up, rekey and restore. Tests kill the process at each one to
 * prove that a crash anywhere leaves a vault that opens; production passes nothing.
 */
export type FaultPoint =
  | 'setup.keychain'
  | 'setup.recovery'
  | 'setup.database'
  | 'rekey.keychain-pending'
  | 'rekey.recovery-pending'
  | 'rekey.copied'
  | 'rekey.closed'
  | 'rekey.swapped'
  | 'rekey.keychain-final'
  | 'rekey.done'
  | 'restore.verified'
  | 'restore.closed'
  | 'restore.swapped';

export interface VaultServiceOptions {
  /** The vault lives in `<dataDir>/vault/`. */
  readonly dataDir: string;
  readonly keychain: Keychain;
  /** Other domains' migrations; the vault's own run first. */
  readonly migrations: readonly MigrationSet[];
  readonly logger: Logger;
  readonly now: () => number;
  readonly onLocked?: (reason: LockReason) => void;
  readonly onUnlocked?: (vaultId: string) => void;
  /** scrypt parameters for new recovery wraps (tests lower them; the wrap records what it used). */
  readonly recoveryKdf?: ScryptParams;
  readonly fault?: (point: FaultPoint) => void;
}

interface Manifest {
  format: 1;
  vaultId: string;
  cipher: string;
  createdAt: string;
}

const BACKUP_EXT = '.fvbackup';

/**
 * The vault lifecycle: set up, unlock, lock, recover, back up, restore, rekey. One operation at a time.
 *
 * Files under `<dataDir>/vault/`: `manifest.json` (vault id and cipher; written last at set-up, so its
 * presence means "set up"), `vault.db` (+ `-wal`, `-shm`: encrypted), `recovery.json` (the key set
 * wrapped under the recovery code), `recovery-attempts.json`, `backups/*.fvbackup`.
 *
 * Invariant that makes every step crash-safe: the keychain entry and the recovery wrap each always
 * contain the key the database file is encrypted with. Changes add a key before the file moves to it
 * and drop the old one only after; unlock tries every key and then tidies the set.
 */
export class VaultService {
  private db: Db | null = null;
  private keys: KeySet | null = null;
  private schema: SchemaVersions | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unlockedListeners = new Set<(db: Db) => void>();
  private readonly lockingListeners = new Set<() => void>();
  readonly dir: string;
  readonly access: VaultAccess;

  constructor(private readonly options: VaultServiceOptions) {
    this.dir = path.join(options.dataDir, 'vault');
    this.access = {
      db: () => {
        if (this.db) return this.db;
        throw this.manifest()
          ? new AppError('VAULT_LOCKED', 'The vault is locked')
          : new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
      },
      isUnlocked: () => this.db !== null,
      onUnlocked: (listener) => {
        this.unlockedListeners.add(listener);
        return () => this.unlockedListeners.delete(listener);
      },
      onLocking: (listener) => {
        this.lockingListeners.add(listener);
        return () => this.lockingListeners.delete(listener);
      },
      wipe: async () => {
        await this.wipe();
      },
    };
  }

  get dbFile(): string {
    return path.join(this.dir, 'vault.db');
  }
  private get manifestFile(): string {
    return path.join(this.dir, 'manifest.json');
  }
  private get recoveryFile(): string {
    return path.join(this.dir, 'recovery.json');
  }
  get backupDir(): string {
    return path.join(this.dir, 'backups');
  }

  /** Runs lifecycle operations one after another, never interleaved. */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private fault(point: FaultPoint): void {
    this.options.fault?.(point);
  }

  private manifest(): Manifest | null {
    if (!existsSync(this.manifestFile)) return null;
    try {
      const m = JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
      if (m.format === 1 && typeof m.vaultId === 'string' && /^[a-f0-9]{32}$/.test(m.vaultId)) return m;
    } catch {
      // fall through
    }
    throw new AppError('CORRUPT_STORE', 'The vault manifest is damaged: recover with your recovery code');
  }

  private requireManifest(): Manifest {
    const m = this.manifest();
    if (!m) throw new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
    return m;
  }

  status(): VaultStatus {
    const m = this.manifest();
    if (!m) return { state: 'not_set_up', vaultId: null, cipher: null, schema: null };
    return {
      state: this.db ? 'unlocked' : 'locked',
      vaultId: m.vaultId,
      cipher: m.cipher,
      schema: this.db ? { ...(this.schema ?? schemaVersions(this.db)) } : null,
    };
  }

  setup(): Promise<{ status: VaultStatus; recoveryCode: string }> {
    return this.serial(async () => {
      if (this.manifest()) throw new AppError('VAULT_ALREADY_SET_UP', 'The vault is already set up');
      mkdirSync(this.backupDir, { recursive: true, mode: 0o700 });
      this.moveAsideOrphans();
      const vaultId = Buffer.from(randomBytes(16)).toString('hex');
      const code = generateRecoveryCode();
      const params = this.options.recoveryKdf ?? RECOVERY_KDF;
      const { kek, salt } = await newKek(code, params);
      const key = newVaultKey();
      const set: KeySet = { keys: [key], kek };
      // Keychain first: if it is unavailable or locked, nothing has been written.
      await this.storeKeys(vaultId, set);
      this.fault('setup.keychain');
      writeRecoveryFile(this.recoveryFile, vaultId, set, kek, salt, params);
      this.fault('setup.recovery');
      let db: Db | null = null;
      try {
        db = openEncryptedDatabase(this.dbFile, key.key);
        this.schema = migrate(db, [vaultMigrations, ...this.options.migrations]);
        new VaultRepository(db).setVaultId(vaultId);
        this.fault('setup.database');
        const manifest: Manifest = {
          format: 1,
          vaultId,
          cipher: STORE_CIPHER,
          createdAt: new Date(this.options.now()).toISOString(),
        };
        writeFileAtomic(this.manifestFile, JSON.stringify(manifest, null, 2) + '\n');
      } catch (error) {
        db?.close();
        zeroKeySet(set);
        throw mapVaultError(error);
      }
      this.opened(db, set, vaultId);
      this.options.logger.log('info', 'vault.setUp', { vaultId });
      return { status: this.status(), recoveryCode: code };
    });
  }

  unlock(): Promise<VaultStatus> {
    return this.serial(async () => {
      if (this.db) return this.status();
      const m = this.requireManifest();
      const set = await this.loadKeys(m.vaultId);
      await this.openWith(m.vaultId, set);
      return this.status();
    });
  }

  lock(reason: LockReason = 'user'): Promise<VaultStatus> {
    return this.serial(() => {
      this.lockNow(reason);
      return this.status();
    });
  }

  recover(typedCode: string): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.requireManifest();
      const throttle = new RecoveryThrottle(path.join(this.dir, 'recovery-attempts.json'), this.options.now);
      throttle.check();
      let set: KeySet;
      try {
        set = await unwrapWithCode(this.recoveryFile, m.vaultId, typedCode);
      } catch (error) {
        if (error instanceof AppError && /does not open/.test(error.message)) {
          const wait = throttle.fail();
          this.options.logger.log('warn', 'vault.recoveryFailed', { vaultId: m.vaultId });
          throw new AppError(
            'RECOVERY_CODE_INVALID',
            `This recovery code does not open this vault. Check it and try again in ${Math.ceil(wait / 1000)} s.`,
          );
        }
        throw error;
      }
      if (this.db) this.lockNow('user');
      // Prove the keys open the database before they replace anything in the keychain.
      const { db, key } = this.openAny(set);
      db.close();
      const ordered: KeySet = { keys: [key, ...set.keys.filter((k) => k !== key)], kek: set.kek };
      await this.storeKeys(m.vaultId, ordered);
      throttle.reset();
      await this.openWith(m.vaultId, ordered);
      this.options.logger.log('info', 'vault.recovered', { vaultId: m.vaultId });
      return this.status();
    });
  }

  backup(): Promise<BackupInfo> {
    return this.serial(() => this.backupNow('backup'));
  }

  listBackups(): BackupInfo[] {
    const m = this.manifest();
    if (!m || !existsSync(this.backupDir)) return [];
    const out: BackupInfo[] = [];
    for (const name of readdirSync(this.backupDir)) {
      if (!name.endsWith(BACKUP_EXT)) continue;
      const backupId = name.slice(0, -BACKUP_EXT.length);
      try {
        const { header, size } = readBackupHeader(path.join(this.backupDir, name));
        if (header.vaultId === m.vaultId) out.push({ backupId, createdAt: header.createdAt, bytes: size });
      } catch {
        // A damaged file is not offered; restore would refuse it anyway.
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  restore(backupId: string): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.requireManifest();
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(backupId)) throw new AppError('VALIDATION', 'Bad backup id');
      const file = path.join(this.backupDir, backupId + BACKUP_EXT);
      if (!existsSync(file)) throw new AppError('NOT_FOUND', 'No such backup');
      const startedAt = new Date(this.options.now()).toISOString();
      const set = this.keys ? cloneKeySet(this.keys) : await this.loadKeys(m.vaultId);
      const current = set.keys[0]!;
      const tmp = this.dbFile + '.restoring';
      this.removeDbFiles(tmp);
      try {
        const header = extractBackup(file, tmp, {
          vaultId: m.vaultId,
          keyFor: (id) => findKey(set, id),
        });
        this.checkCopy(tmp, findKey(set, header.keyId)!, m.vaultId, current);
      } catch (error) {
        this.removeDbFiles(tmp);
        zeroKeySet(set);
        throw error;
      }
      this.fault('restore.verified');
      // Keep what is being replaced: a restore can be undone by restoring this backup.
      if (this.db) {
        try {
          this.backupNow('pre-restore');
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'CORRUPT_STORE')) {
            this.removeDbFiles(tmp);
            throw error;
          }
        }
      }
      this.lockNow('restore');
      // Whatever is replaced and could not be backed up (a damaged store) is kept as it is, encrypted.
      if (!this.hasPreRestoreBackupSince(startedAt)) this.keepDamaged();
      this.fault('restore.closed');
      // A WAL left by a damaged database must not be replayed onto the restored file.
      rmSync(this.dbFile + '-wal', { force: true });
      rmSync(this.dbFile + '-shm', { force: true });
      renameDurable(tmp, this.dbFile);
      this.fault('restore.swapped');
      await this.openWith(m.vaultId, set);
      this.options.logger.log('info', 'vault.restored', { vaultId: m.vaultId, backupId });
      return this.status();
    });
  }

  rekey(): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.requireManifest();
      if (!this.db || !this.keys)
        throw new AppError('VAULT_LOCKED', 'Unlock the vault before changing its key');
      const old = cloneKeySet(this.keys);
      const oldKey = old.keys[0]!;
      const next = newVaultKey();
      // 1. Both keys in the keychain and in the recovery wrap before the file changes.
      const pending: KeySet = { keys: [oldKey, next, ...old.keys.slice(1)], kek: old.kek };
      await this.storeKeys(m.vaultId, pending);
      this.fault('rekey.keychain-pending');
      this.writeRecovery(m.vaultId, pending);
      this.fault('rekey.recovery-pending');
      // 2. A re-encrypted private copy, checked before it replaces anything.
      const tmp = this.dbFile + '.rekeying';
      this.removeDbFiles(tmp);
      try {
        new VaultRepository(this.db).snapshotTo(tmp);
        const copy = openEncryptedDatabase(tmp, oldKey.key, { journal: 'delete' });
        try {
          const repo = new VaultRepository(copy);
          repo.rekey(next.key);
        } finally {
          copy.close();
        }
        this.checkCopy(tmp, next, m.vaultId, next);
      } catch (error) {
        this.removeDbFiles(tmp);
        throw mapVaultError(error);
      }
      this.fault('rekey.copied');
      // 3. Swap: close (checkpoints and removes the WAL), then rename the copy over the database.
      this.closeDb();
      this.fault('rekey.closed');
      if (existsSync(this.dbFile + '-wal')) {
        this.removeDbFiles(tmp);
        zeroKeySet(this.keys);
        this.keys = null;
        await this.openWith(m.vaultId, pending);
        throw new AppError('INTERNAL', 'The vault is busy: try changing the key again');
      }
      renameDurable(tmp, this.dbFile);
      this.fault('rekey.swapped');
      // 4. Only now drop the old key (kept if an existing backup still needs it).
      const final = this.tidyKeySet(pending, next);
      await this.storeKeys(m.vaultId, final);
      this.fault('rekey.keychain-final');
      this.writeRecovery(m.vaultId, final);
      this.fault('rekey.done');
      zeroKeySet(this.keys);
      this.keys = null;
      await this.openWith(m.vaultId, final);
      if (final !== pending) zeroKeySet(pending);
      zeroKeySet(old);
      this.options.logger.log('info', 'vault.rekeyed', { vaultId: m.vaultId });
      return this.status();
    });
  }

  /**
   * Destroys this vault (a revoked device): locks it, removes its keychain entry, then deletes every
   * file under the vault directory. The keychain entry goes first so that, even if deleting files is
   * interrupted, what remains cannot be opened without the recovery code. A keychain that cannot be
   * reached does not stop the wipe: the files go anyway.
   */
  wipe(): Promise<VaultStatus> {
    return this.serial(async () => {
      const m = this.manifest();
      this.lockNow('revoked');
      if (m) {
        try {
          await this.options.keychain.delete(m.vaultId);
        } catch {
          this.options.logger.log('warn', 'vault.wipeKeychainFailed', { vaultId: m.vaultId });
        }
      }
      rmSync(this.dir, { recursive: true, force: true });
      this.options.logger.log('info', 'vault.wiped', { vaultId: m?.vaultId ?? null });
      return this.status();
    });
  }

  /** Locks the vault (closing the database, zeroing keys). Safe to call twice. */
  async dispose(): Promise<void> {
    await this.lock('quit');
  }

  // ---- internals ----

  private backupNow(prefix: 'backup' | 'pre-restore'): BackupInfo {
    const m = this.requireManifest();
    if (!this.db || !this.keys) throw new AppError('VAULT_LOCKED', 'Unlock the vault before backing it up');
    mkdirSync(this.backupDir, { recursive: true, mode: 0o700 });
    const createdAt = new Date(this.options.now()).toISOString();
    const backupId = `${prefix}-${createdAt.replace(/[-:.]/g, '')}-${Buffer.from(randomBytes(4)).toString('hex')}`;
    const snapshot = path.join(this.backupDir, `${backupId}.snapshot`);
    const partial = path.join(this.backupDir, `${backupId}.partial`);
    const file = path.join(this.backupDir, backupId + BACKUP_EXT);
    try {
      new VaultRepository(this.db).snapshotTo(snapshot);
      const bytes = writeBackupFile(snapshot, partial, {
        vaultId: m.vaultId,
        key: this.keys.keys[0]!,
        createdAt,
      });
      renameDurable(partial, file);
      this.options.logger.log('info', 'vault.backedUp', { vaultId: m.vaultId, backupId, bytes });
      return { backupId, createdAt, bytes };
    } catch (error) {
      rmSync(partial, { force: true });
      throw mapVaultError(error);
    } finally {
      rmSync(snapshot, { force: true });
    }
  }

  /** Opens a copy, requires integrity, the right vault id, and re-encrypts it under `target` if needed. */
  private checkCopy(file: string, key: VaultKey, vaultId: string, target: VaultKey): void {
    let copy: Db;
    try {
      copy = openEncryptedDatabase(file, key.key, { journal: 'delete' });
    } catch (error) {
      throw new AppError('BACKUP_INVALID', 'The copy cannot be opened with its key', { cause: error });
    }
    try {
      const repo = new VaultRepository(copy);
      if (!repo.isIntact('full')) throw new AppError('BACKUP_INVALID', 'The copy fails the integrity check');
      if (repo.vaultId() !== vaultId)
        throw new AppError('BACKUP_INVALID', 'The copy belongs to another vault');
      if (key !== target) repo.rekey(target.key);
    } catch (error) {
      throw error instanceof AppError
        ? error
        : new AppError('BACKUP_INVALID', 'The copy is damaged', { cause: error });
    } finally {
      copy.close();
    }
  }

  private async loadKeys(vaultId: string): Promise<KeySet> {
    const raw = await this.options.keychain.get(vaultId);
    if (!raw) {
      throw new AppError(
        'KEY_MISSING',
        "This vault's key is not in the OS keychain (new install or deleted entry): enter your recovery code",
      );
    }
    try {
      return decodeKeySet(raw);
    } finally {
      raw.fill(0);
    }
  }

  private async storeKeys(vaultId: string, set: KeySet): Promise<void> {
    const bytes = encodeKeySet(set);
    try {
      await this.options.keychain.set(vaultId, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  private writeRecovery(vaultId: string, set: KeySet): void {
    if (!set.kek) throw new AppError('INTERNAL', 'The recovery wrapping key is missing');
    const { salt, params } = readRecoverySalt(this.recoveryFile);
    writeRecoveryFile(this.recoveryFile, vaultId, set, set.kek, salt, params);
  }

  /** Tries each key; the first that opens the file wins. */
  private openAny(set: KeySet): { db: Db; key: VaultKey } {
    if (!existsSync(this.dbFile)) {
      throw new AppError('CORRUPT_STORE', 'The vault database is missing: restore a backup');
    }
    if (statSync(this.dbFile).size === 0) {
      throw new AppError('CORRUPT_STORE', 'The vault database is empty: restore a backup');
    }
    let last: unknown = null;
    for (const key of set.keys) {
      try {
        return { db: openEncryptedDatabase(this.dbFile, key.key), key };
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'WRONG_KEY')) throw error;
        last = error;
      }
    }
    throw new AppError(
      'WRONG_KEY',
      'The key in the OS keychain does not open this vault: enter your recovery code or restore a backup',
      { cause: last },
    );
  }

  /** Opens the database with `set`, checks it, migrates, tidies the key set; takes ownership of `set`. */
  private async openWith(vaultId: string, set: KeySet): Promise<void> {
    this.cleanupLeftovers();
    const crashed = existsSync(this.dbFile + '-wal');
    let db: Db;
    let key: VaultKey;
    try {
      ({ db, key } = this.openAny(set));
    } catch (error) {
      zeroKeySet(set);
      throw error;
    }
    try {
      const repo = new VaultRepository(db);
      // After a crash, check every page before use. A clean open needs no scan: every page carries a
      // Poly1305 tag, so a damaged page fails as SQLITE_CORRUPT when it is read (a full check of 100k
      // contacts costs ~200 ms, four times the unlock budget), and every backup re-reads all pages.
      if (crashed && !repo.isIntact('full')) {
        throw new AppError('CORRUPT_STORE', 'The vault database is damaged: restore a backup');
      }
      const id = repo.vaultId();
      if (id !== vaultId) {
        throw new AppError('CORRUPT_STORE', 'The vault database belongs to another vault: restore a backup');
      }
      this.schema = migrate(db, [vaultMigrations, ...this.options.migrations]);
    } catch (error) {
      db.close();
      zeroKeySet(set);
      throw mapOpenError(error);
    }
    const tidy = this.tidyKeySet(set, key);
    if (!sameKeys(tidy, set)) {
      // An interrupted rekey: settle on the key the file actually uses.
      try {
        await this.storeKeys(vaultId, tidy);
        this.writeRecovery(vaultId, tidy);
      } catch (error) {
        db.close();
        zeroKeySet(set);
        throw error;
      }
    }
    if (tidy !== set) zeroKeySet(set);
    this.opened(db, tidy, vaultId);
  }

  /** The opening key first, then only the retired keys that an existing backup still needs. */
  private tidyKeySet(set: KeySet, current: VaultKey): KeySet {
    const needed = new Set<string>();
    if (existsSync(this.backupDir)) {
      for (const name of readdirSync(this.backupDir)) {
        if (!name.endsWith(BACKUP_EXT)) continue;
        try {
          needed.add(readBackupHeader(path.join(this.backupDir, name)).header.keyId);
        } catch {
          // unreadable backups need no key
        }
      }
    }
    const others = set.keys.filter((k) => k !== current && needed.has(keyIdHex(k)));
    const ordered = [current, ...others];
    if (ordered.length === set.keys.length && ordered.every((k, i) => k === set.keys[i])) return set;
    return cloneKeySet({ keys: ordered, kek: set.kek });
  }

  private opened(db: Db, set: KeySet, vaultId: string): void {
    this.db = db;
    this.keys = set;
    for (const listener of this.unlockedListeners) listener(db);
    this.options.logger.log('info', 'vault.unlocked', { vaultId });
    this.options.onUnlocked?.(vaultId);
  }

  private closeDb(): void {
    if (!this.db) return;
    for (const listener of this.lockingListeners) {
      try {
        listener();
      } catch {
        this.options.logger.log('warn', 'vault.lockListenerFailed', {});
      }
    }
    const db = this.db;
    this.db = null;
    this.schema = null;
    db.close();
  }

  private lockNow(reason: LockReason): void {
    if (!this.db) {
      zeroKeySet(this.keys);
      this.keys = null;
      return;
    }
    this.closeDb();
    zeroKeySet(this.keys);
    this.keys = null;
    this.options.logger.log('info', 'vault.locked', { reason });
    this.options.onLocked?.(reason);
  }

  private hasPreRestoreBackupSince(iso: string): boolean {
    return this.listBackups().some((b) => b.backupId.startsWith('pre-restore-') && b.createdAt >= iso);
  }

  /** Moves the current database files aside (they stay encrypted) instead of overwriting them. */
  private keepDamaged(): void {
    const files = ['vault.db', 'vault.db-wal'].filter((f) => existsSync(path.join(this.dir, f)));
    if (files.length === 0) return;
    const aside = path.join(this.dir, `replaced-${this.options.now()}`);
    mkdirSync(aside, { recursive: true, mode: 0o700 });
    for (const f of files) copyFileSync(path.join(this.dir, f), path.join(aside, f));
    fsyncDir(aside);
  }

  /** Temporary files of an interrupted rekey or restore hold nothing the database lacks. */
  private cleanupLeftovers(): void {
    this.removeDbFiles(this.dbFile + '.rekeying');
    this.removeDbFiles(this.dbFile + '.restoring');
    if (existsSync(this.backupDir)) {
      for (const name of readdirSync(this.backupDir)) {
        if (name.endsWith('.snapshot') || name.endsWith('.partial'))
          rmSync(path.join(this.backupDir, name), { force: true });
      }
    }
  }

  private removeDbFiles(file: string): void {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  /** Files of an unfinished set-up (no manifest) are moved aside, never deleted. */
  private moveAsideOrphans(): void {
    const orphans = ['vault.db', 'vault.db-wal', 'vault.db-shm', 'recovery.json'].filter((f) =>
      existsSync(path.join(this.dir, f)),
    );
    if (orphans.length === 0) return;
    const aside = path.join(this.dir, `orphaned-${this.options.now()}`);
    mkdirSync(aside, { mode: 0o700 });
    for (const f of orphans) renameSync(path.join(this.dir, f), path.join(aside, f));
    fsyncDir(this.dir);
  }
}

/** SQLite errors by their SQLite meaning, file-system errors by theirs (ENOSPC is DISK_FULL either way). */
function mapVaultError(error: unknown): AppError {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? mapOpenError(error) : mapFsError(error);
}

function sameKeys(a: KeySet, b: KeySet): boolean {
  return a.keys.length === b.keys.length && a.keys.every((k, i) => keyIdHex(k) === keyIdHex(b.keys[i]!));
}
