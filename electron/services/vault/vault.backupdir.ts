import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';

/** Where backups go when IT's policy or the user names a directory (null: inside the vault directory). */
export interface BackupLocation {
  readonly dir: string;
  readonly source: 'policy' | 'settings';
}

function unsafe(location: BackupLocation, why: string): AppError {
  const who = location.source === 'policy' ? 'set by your organization' : 'chosen in Settings';
  return new AppError('BACKUP_DIRECTORY_UNSAFE', `The backup directory ${who} ${why}`);
}

/**
 * Checks (and with `create`, makes, mode 0700) a named backup directory before a backup is written to
 * or read from it. Refused with `BACKUP_DIRECTORY_UNSAFE`: a symbolic link (it could be re-pointed
 * anywhere after IT checked it), something that is not a directory, and on POSIX a directory any
 * user may write to (others could plant or swap files; MACs catch that, but deleting them cannot be
 * stopped). A missing directory without `create` is simply empty.
 */
export function checkBackupDir(location: BackupLocation, create: boolean): boolean {
  const dir = path.resolve(location.dir);
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw unsafe(location, 'cannot be read');
    if (!create) return false;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw new AppError('BACKUP_DIRECTORY_UNSAFE', 'The backup directory cannot be created', { cause });
    }
    stat = lstatSync(dir);
  }
  if (stat.isSymbolicLink()) throw unsafe(location, 'is a symbolic link: name the real directory');
  if (!stat.isDirectory()) throw unsafe(location, 'is not a directory');
  if (process.platform !== 'win32' && (stat.mode & 0o002) !== 0) {
    throw unsafe(location, 'can be written by every user: make it private (chmod 700)');
  }
  return true;
}
