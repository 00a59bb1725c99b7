import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { readBackupHeader } from './vault.backup';
import { checkBackupDir, type BackupLocation } from './vault.backupdir';
import { fsyncDir, writeFileAtomic } from './vault.files';

/** `vault/manifest.json`: written last at set-up, so its presence means "set up". */
export interface Manifest {
  format: 1;
  vaultId: string;
  cipher: string;
  createdAt: string;
}

export const BACKUP_EXT = '.fvbackup';

/**
 * The files under `<dataDir>/vault/`: `manifest.json`, `vault.db` (+ `-wal`, `-shm`: encrypted),
 * `recovery.json` (the key set wrapped under the recovery code), `recovery-attempts.json`,
 * `backups/*.fvbackup`, and the temporary files of interrupted operations.
 */
export class VaultLayout {
  readonly dir: string;
  /** `backupLocation`: a directory named by IT's policy or the user, read at every use. */
  constructor(
    dataDir: string,
    private readonly backupLocation: () => BackupLocation | null = () => null,
  ) {
    this.dir = path.join(dataDir, 'vault');
  }

  get dbFile(): string {
    return path.join(this.dir, 'vault.db');
  }
  get manifestFile(): string {
    return path.join(this.dir, 'manifest.json');
  }
  get recoveryFile(): string {
    return path.join(this.dir, 'recovery.json');
  }
  get attemptsFile(): string {
    return path.join(this.dir, 'recovery-attempts.json');
  }
  /** The default backup directory, inside the vault directory (a wipe removes it). */
  get ownBackupDir(): string {
    return path.join(this.dir, 'backups');
  }
  /** Where backups are written and listed now. */
  get backupDir(): string {
    const named = this.backupLocation();
    return named ? path.resolve(named.dir) : this.ownBackupDir;
  }
  /**
   * The backup directory, checked (`BACKUP_DIRECTORY_UNSAFE`) when one is named; `create` makes it.
   * Returns false when it does not exist (yet).
   */
  checkedBackupDir(create: boolean): boolean {
    const named = this.backupLocation();
    if (named) return checkBackupDir(named, create);
    if (create) mkdirSync(this.ownBackupDir, { recursive: true, mode: 0o700 });
    return existsSync(this.ownBackupDir);
  }
  /** Temporary files of a backup being written start with this (and the vault id), beside the result. */
  tempPrefix(vaultId: string): string {
    return `.fv-${vaultId.slice(0, 12)}-`;
  }
  backupFile(backupId: string): string {
    return path.join(this.backupDir, backupId + BACKUP_EXT);
  }

  manifest(): Manifest | null {
    if (!existsSync(this.manifestFile)) return null;
    try {
      const m = JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
      if (m.format === 1 && typeof m.vaultId === 'string' && /^[a-f0-9]{32}$/.test(m.vaultId)) return m;
    } catch {
      // fall through
    }
    throw new AppError('CORRUPT_STORE', 'The vault manifest is damaged: recover with your recovery code');
  }

  requireManifest(): Manifest {
    const m = this.manifest();
    if (!m) throw new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
    return m;
  }

  writeManifest(manifest: Manifest): void {
    writeFileAtomic(this.manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  }

  /** Names of the backup files present (whatever their state). */
  backupNames(): string[] {
    if (!existsSync(this.backupDir)) return [];
    return readdirSync(this.backupDir).filter((name) => name.endsWith(BACKUP_EXT) && !name.startsWith('.'));
  }

  /** Key ids that existing, readable backups were written under. */
  backupKeyIds(): Set<string> {
    const needed = new Set<string>();
    for (const name of this.backupNames()) {
      try {
        needed.add(readBackupHeader(path.join(this.backupDir, name)).header.keyId);
      } catch {
        // unreadable backups need no key
      }
    }
    return needed;
  }

  removeDbFiles(file: string): void {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  /**
   * Temporary files of an interrupted rekey, restore or backup hold nothing the database lacks. In a
   * shared backup directory only this vault's own temporary files are removed.
   */
  cleanupLeftovers(): void {
    this.removeDbFiles(this.dbFile + '.rekeying');
    this.removeDbFiles(this.dbFile + '.restoring');
    const vaultId = this.manifestSafe()?.vaultId;
    const dirs = new Set([this.ownBackupDir]);
    try {
      if (this.checkedBackupDir(false)) dirs.add(this.backupDir);
    } catch {
      // An unsafe named directory is reported at the next backup, not touched here.
    }
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        // Older versions named them `<id>.snapshot` / `.partial`; SQLite may add `-journal` to a snapshot.
        const temp = /\.(snapshot|partial)(-journal|-wal|-shm)?$/.test(name);
        const own =
          dir === this.ownBackupDir || (vaultId !== undefined && name.startsWith(this.tempPrefix(vaultId)));
        if (own && temp) rmSync(path.join(dir, name), { force: true });
      }
    }
  }

  private manifestSafe(): Manifest | null {
    try {
      return this.manifest();
    } catch {
      return null;
    }
  }

  /** Moves the current database files aside (they stay encrypted) instead of overwriting them. */
  keepDamaged(now: number): void {
    const files = ['vault.db', 'vault.db-wal'].filter((f) => existsSync(path.join(this.dir, f)));
    if (files.length === 0) return;
    const aside = path.join(this.dir, `replaced-${now}`);
    mkdirSync(aside, { recursive: true, mode: 0o700 });
    for (const f of files) copyFileSync(path.join(this.dir, f), path.join(aside, f));
    fsyncDir(aside);
  }

  /** Files of an unfinished set-up (no manifest) are moved aside, never deleted. */
  moveAsideOrphans(now: number): void {
    const orphans = ['vault.db', 'vault.db-wal', 'vault.db-shm', 'recovery.json'].filter((f) =>
      existsSync(path.join(this.dir, f)),
    );
    if (orphans.length === 0) return;
    const aside = path.join(this.dir, `orphaned-${now}`);
    mkdirSync(aside, { mode: 0o700 });
    for (const f of orphans) renameSync(path.join(this.dir, f), path.join(aside, f));
    fsyncDir(this.dir);
  }
}
