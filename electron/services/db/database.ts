import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../../shared/errors';

/** An open better-sqlite3 connection (encrypting build). */
export type Db = Database.Database;

/** The page cipher. ChaCha20-Poly1305: authenticated, unlike aes256cbc (no MAC). */
export const STORE_CIPHER = 'chacha20';

/**
 * Opens (or creates) an encrypted SQLite database with a raw 256-bit key: no passphrase KDF on every
 * open, because the key is already 32 random bytes. Throws `WRONG_KEY` when the key does not open an
 * existing file and `CORRUPT_STORE` when the file is not a database at all.
 *
 * SQLite's key pragma takes text, so the key exists briefly as a hex string here; JS strings cannot be
 * zeroed. It is never stored, logged or returned.
 */
export function openEncryptedDatabase(
  file: string,
  key: Uint8Array,
  options: { readonly?: boolean } = {},
): Db {
  if (key.length !== 32) throw new AppError('WRONG_KEY', 'The vault key has the wrong length');
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  try {
    db.pragma(`cipher='${STORE_CIPHER}'`);
    db.pragma(`key="raw:${Buffer.from(key).toString('hex')}"`);
    // The first real read proves the key: a wrong key surfaces here as SQLITE_NOTADB.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    throw mapOpenError(error);
  }
}

/** Maps SQLite's open-time errors to typed app errors, without their text. */
export function mapOpenError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB')
    return new AppError('WRONG_KEY', 'The key does not open this vault', { cause: error });
  if (code === 'SQLITE_CORRUPT')
    return new AppError('CORRUPT_STORE', 'The vault database is damaged', { cause: error });
  if (code === 'SQLITE_FULL') return new AppError('DISK_FULL', 'The disk is full', { cause: error });
  return new AppError('INTERNAL', 'The vault database could not be opened', { cause: error });
}
