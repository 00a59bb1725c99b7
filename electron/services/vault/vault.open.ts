import { existsSync, statSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { mapOpenError, openEncryptedDatabase, type Db } from '../db/database';
import { mapFsError } from './vault.files';
import type { KeySet, VaultKey } from './vault.keyset';
import { VaultRepository } from './vault.repository';

/** Tries each key; the first that opens the file wins. */
export function openAny(dbFile: string, set: KeySet): { db: Db; key: VaultKey } {
  if (!existsSync(dbFile)) {
    throw new AppError('CORRUPT_STORE', 'The vault database is missing: restore a backup');
  }
  if (statSync(dbFile).size === 0) {
    throw new AppError('CORRUPT_STORE', 'The vault database is empty: restore a backup');
  }
  let last: unknown = null;
  for (const key of set.keys) {
    try {
      return { db: openEncryptedDatabase(dbFile, key.key), key };
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

/**
 * Opens a copy, requires integrity, the right vault id, and re-encrypts it under `target` if needed.
 * `openCounter` stamps the copy with the current rollback counter (a restore that is meant to be older).
 */
export function checkCopy(
  file: string,
  key: VaultKey,
  vaultId: string,
  target: VaultKey,
  openCounter: number | null = null,
): void {
  let copy: Db;
  try {
    copy = openEncryptedDatabase(file, key.key, { journal: 'delete' });
  } catch (error) {
    throw new AppError('BACKUP_INVALID', 'The copy cannot be opened with its key', { cause: error });
  }
  try {
    const repo = new VaultRepository(copy);
    if (!repo.isIntact('full')) throw new AppError('BACKUP_INVALID', 'The copy fails the integrity check');
    if (repo.vaultId() !== vaultId) throw new AppError('BACKUP_INVALID', 'The copy belongs to another vault');
    if (openCounter !== null && repo.openCounter() < openCounter) repo.setOpenCounter(openCounter);
    if (key !== target) repo.rekey(target.key);
  } catch (error) {
    throw error instanceof AppError
      ? error
      : new AppError('BACKUP_INVALID', 'The copy is damaged', { cause: error });
  } finally {
    copy.close();
  }
}

/** SQLite errors by their SQLite meaning, file-system errors by theirs (ENOSPC is DISK_FULL either way). */
export function mapVaultError(error: unknown): AppError {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? mapOpenError(error) : mapFsError(error);
}
