import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../../shared/errors';

/** An open better-sqlite3 connection (encrypting build). */
export type Db = Database.Database;

/**
 * The page cipher: AEGIS-256 (SQLite3MultipleCiphers `aegis`, algorithm pinned), an authenticated cipher
 * with a 256-bit key, a random 256-bit nonce and a tag on every page. Chosen over chacha20-Poly1305 by
 * measurement (`npm run bench`, the cipher rows; here: 100k-contact insert 1.2x plain vs 1.9x for
 * chacha20, cold full scans at plain speed vs 3x) because it runs on AES instructions, which every
 * supported machine has (x86-64 AES-NI, ARMv8 crypto extensions); the library picks a constant-time
 * software path where they are missing. aes256cbc has no MAC and is never acceptable.
 *
 * The algorithm is not recorded in the file, so it is pinned here: a library default that changed
 * would otherwise make every existing vault look like a wrong key.
 */
export const STORE_CIPHER = 'aegis-256';
const SQLITE3MC_CIPHER = 'aegis';
const SQLITE3MC_ALGORITHM = 'aegis-256';

/**
 * Page cache per connection: 64 MiB. A page that misses the cache is read and decrypted again, so the
 * cache should hold the hot set: 100k contacts with their FTS index are ~60-80 MiB.
 */
export const STORE_CACHE_KIB = 64 * 1024;

/**
 * Page size of new databases: 16 KiB instead of SQLite's 4 KiB. Measured with the 100k-contact import
 * (`npm run bench`): about 20% less time, mostly in b-tree balancing and the commit, because every
 * record, index entry and FTS segment spreads over a quarter of the pages. Reads of single rows are
 * served from the page cache, whose size is set in bytes, so it holds the same amount of data.
 */
export const STORE_PAGE_SIZE = 16 * 1024;

/** WAL size (bytes) after which a commit checkpoints it into the database (SQLite's default). */
const WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024;

export interface OpenOptions {
  readonly readonly?: boolean;
  /**
   * `wal` (default) for the live store. `delete` for short-lived copies (rekey, restore) that must be
   * a single self-contained file when closed.
   */
  readonly journal?: 'wal' | 'delete';
}

/**
 * Opens (or creates) an encrypted SQLite database with a raw 256-bit key: no passphrase KDF on every
 * open, because the key is already 32 random bytes. Throws `WRONG_KEY` when the key does not open an
 * existing file and `CORRUPT_STORE` when the file is damaged.
 *
 * Durability: WAL with `synchronous=FULL`. WAL makes commits append-only (a crash never tears the
 * database file) and lets readers run beside the writer; FULL fsyncs the WAL at every commit, so a
 * transaction reported as committed survives a power cut too, not only a process crash. Field laptops
 * die on flat batteries; interactive commits are a few per second and imports commit in one
 * transaction, so one fsync per commit costs nothing the user feels.
 *
 * `temp_store=MEMORY`: SQLite3MultipleCiphers encrypts the database and its WAL but not temporary files
 * (sorts, FTS merges), so none may reach the disk.
 *
 * The key reaches SQLite3MultipleCiphers as bytes (`sqlite3_key` with `raw:` and the 32 bytes, which
 * bypasses its KDF): no hex or base64 string of it is ever made, and the buffer is zeroed after the call.
 */
export function openEncryptedDatabase(file: string, key: Uint8Array, options: OpenOptions = {}): Db {
  if (key.length !== 32) throw new AppError('WRONG_KEY', 'The vault key has the wrong length');
  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (error) {
    throw mapOpenError(error);
  }
  try {
    db.pragma(`cipher='${SQLITE3MC_CIPHER}'`);
    db.pragma(`algorithm='${SQLITE3MC_ALGORITHM}'`);
    applyKey(db, key, 'key');
    // The first real read proves the key: a wrong key surfaces here as SQLITE_NOTADB.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    db.pragma('temp_store = MEMORY');
    db.pragma(`cache_size = -${STORE_CACHE_KIB}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      // Takes effect only while the file is still empty (a new vault); existing files keep theirs.
      db.pragma(`page_size = ${STORE_PAGE_SIZE}`);
      db.pragma(`journal_mode = ${options.journal === 'delete' ? 'DELETE' : 'WAL'}`);
      // SQLite counts the checkpoint threshold in pages: keep it at its default 4 MiB of WAL.
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(WAL_CHECKPOINT_BYTES / pageSize))}`);
      db.pragma('synchronous = FULL');
    }
    return db;
  } catch (error) {
    db.close();
    throw mapOpenError(error);
  }
}

/**
 * Runs a bulk write with SQLite's rollback journal instead of the WAL. In WAL mode every page is
 * written twice, to the WAL at commit and into the database by the checkpoint that follows; with a
 * rollback journal, pages the write adds are written once and only pages it changes are first
 * copied to the journal (encrypted like the WAL). Commits stay atomic and durable. Measured on a
 * 100k-contact import: the commit went from 0.6-1.1 s to ~0.25 s. The switch needs the only
 * connection and no open transaction; otherwise `fn` simply runs in WAL mode. WAL is restored after.
 */
export function withRollbackJournal<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn();
  let switched = false;
  // Another connection open on the file (main's, while the database worker imports) makes the
  // switch fail with SQLITE_BUSY, and only after the busy handler has waited its whole timeout: a
  // 5 s stall at the start of every worker import. The attempt does not wait.
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    switched = db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
  } catch {
    // Another connection holds the database: stay in WAL mode.
  } finally {
    db.pragma(`busy_timeout = ${Math.floor(timeout)}`);
  }
  try {
    return fn();
  } finally {
    if (switched) db.pragma('journal_mode = WAL');
  }
}

/** Maps SQLite's errors to typed app errors, without their text. */
export function mapOpenError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB')
    return new AppError('WRONG_KEY', 'The key does not open this vault', { cause: error });
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_CORRUPT_VTAB' || code === 'SQLITE_IOERR_SHORT_READ')
    return new AppError('CORRUPT_STORE', 'The vault database is damaged: restore a backup', { cause: error });
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new AppError('DISK_FULL', 'The disk is full: free some space and try again', { cause: error });
  return new AppError('INTERNAL', 'The vault database could not be opened', { cause: error });
}

/**
 * Hands a raw 256-bit key to `sqlite3_key` / `sqlite3_rekey` as binary (`raw:` + 32 bytes), in a
 * buffer of its own (never Node's shared pool) that is zeroed once SQLite has copied it.
 */
export function applyKey(db: Db, key: Uint8Array, op: 'key' | 'rekey'): void {
  if (key.length !== 32) throw new AppError('WRONG_KEY', 'The vault key has the wrong length');
  const material = Buffer.alloc(4 + key.length);
  try {
    material.write('raw:', 0, 'latin1');
    material.set(key, 4);
    if (op === 'key') db.key(material);
    else db.rekey(material);
  } finally {
    material.fill(0);
  }
}
