import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SqlSyncStorage } from './storage.rules';
import {
  MIGRATIONS,
  pendingMigrations,
  type SchemaTypes,
  type SqlDialect,
  type Work,
  type WorkMode,
} from './storage.sql';

const SQLITE_TYPES: SchemaTypes = {
  bigint: 'INTEGER',
  bytes: 'BLOB',
  keyedTable: ' WITHOUT ROWID',
  // Every pull and push reads a primary-key range or unique key: SQLite's planner needs no statistics.
  deltasStatistics: '',
};

/** The schema migrations as SQLite runs them; `PRAGMA user_version` records how many ran. */
export const SQLITE_MIGRATIONS: readonly string[] = MIGRATIONS.map((m) => m(SQLITE_TYPES));

/** Reads a database's schema version. */
export function sqliteSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Compiles each statement once per connection: the hot paths (push, pull, nonce) reuse them. */
class Connection {
  private readonly statements = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  /** Runs `work` to its end, synchronously: nothing else touches the connection meanwhile. */
  drive<T>(work: Work<T>): T {
    let step = work.next();
    while (!step.done) {
      const op = step.value;
      let stmt = this.statements.get(op.sql);
      if (!stmt) {
        stmt = this.db.prepare(op.sql);
        this.statements.set(op.sql, stmt);
      }
      step = work.next(op.want === 'rows' ? stmt.all(...op.params) : stmt.run(...op.params).changes);
    }
    return step.value;
  }
}

class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite' as const;
  // BEGIN IMMEDIATE takes the database's write lock up front.
  readonly lockRows = '';
  private readonly inTransaction: (work: Work<unknown>) => unknown;

  constructor(
    private readonly main: Connection,
    /**
     * A second connection with `synchronous=NORMAL` for bookkeeping (nonces, rate windows): no
     * fsync per request. A power cut may forget the last nonces (a replay window of a few minutes
     * after a crash) but never an acknowledged delta, whose commit on the FULL connection also
     * syncs everything written before it. The same connection as `main` for an in-memory database.
     */
    private readonly fast: Connection,
  ) {
    const tx = main.db.transaction((work: Work<unknown>) => main.drive(work));
    this.inTransaction = (work) => tx.immediate(work);
  }

  run<T>(mode: WorkMode, work: Work<T>): Promise<T> {
    try {
      if (mode === 'tx') return Promise.resolve(this.inTransaction(work) as T);
      return Promise.resolve((mode === 'bookkeeping' ? this.fast : this.main).drive(work));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('storage failure'));
    }
  }

  close(): Promise<void> {
    if (this.fast.db.open) this.fast.db.close();
    if (this.main.db.open) this.main.db.close();
    return Promise.resolve();
  }
}

/**
 * The default storage: one SQLite file (plain better-sqlite3: it holds only ciphertext, public keys
 * and ids). WAL with `synchronous=FULL` so an acknowledged push survives a crash or power loss.
 * `':memory:'` gives a private throw-away store (tests, benchmarks).
 */
export class SqliteSyncStorage extends SqlSyncStorage {
  /**
   * Opens (creating if needed) `file` and migrates its schema forward. Throws `SchemaTooNewError`
   * for a database a newer server wrote, leaving it untouched. With `migrate: false` (the admin CLI)
   * an older database is refused with `SchemaTooOldError` instead of migrated.
   */
  static open(file: string, options: { readonly migrate?: boolean } = {}): SqliteSyncStorage {
    const memory = file === ':memory:';
    if (!memory) mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      // Compacted deltas and replaced snapshot chunks are overwritten, not left in free pages.
      db.pragma('secure_delete = ON');
      // Read and migrate under the write lock, so two servers opening one file migrate once.
      db.transaction(() => {
        for (const m of pendingMigrations(sqliteSchemaVersion(db), SQLITE_TYPES, options.migrate ?? true)) {
          db.exec(m.sql);
          db.pragma(`user_version = ${m.version}`);
        }
      }).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    const main = new Connection(db);
    if (memory) return new SqliteSyncStorage(new SqliteDialect(main, main));
    const fast = new Database(file);
    fast.pragma('synchronous = NORMAL');
    fast.pragma('busy_timeout = 5000');
    fast.pragma('secure_delete = ON');
    return new SqliteSyncStorage(new SqliteDialect(main, new Connection(fast)));
  }
}
