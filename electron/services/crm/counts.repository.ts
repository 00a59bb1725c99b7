import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../db/database';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** Record tables whose counts are kept: table names only from the registry's constants. */
const TABLE_NAME = /^crm_[a-z_]+$/;

/**
 * Row counts of record tables kept incrementally, so the total of an unfiltered list is not recounted
 * after every write (at 1M contacts `count(*)` took ~29 ms; reading the kept count takes microseconds).
 *
 * The counts live in a TEMP table of this connection, maintained by TEMP triggers on the record
 * tables: every write of this connection, whatever its path (the change writer, the bulk import,
 * erasure, restores), moves them in the same transaction, and a rollback undoes them with the rows.
 * Nothing is stored in the vault (no migration; the temp store is memory-only, and holds numbers
 * only). A table's count is seeded with `count(*)` the first time it is asked for, outside a
 * transaction. A commit by another connection (the database worker's import) moves `data_version`;
 * the kept counts are then dropped and seeded again on demand.
 */
export class RowCountsRepository {
  private readonly dataVersion: Statement<[], { v: number }>;
  private readonly installed = new Set<string>();
  private version = -1;
  private readStmt: Statement<[string], { live: number; total: number }> | null = null;

  constructor(private readonly db: Db) {
    this.dataVersion = db.prepare('SELECT data_version AS v FROM pragma_data_version');
  }

  /**
   * The live (`deleted_at IS NULL`) or total row count of `table`, or null when it cannot be kept
   * right now (first use inside a transaction): the caller counts then.
   */
  count(table: string, kind: 'live' | 'total'): number | null {
    if (!TABLE_NAME.test(table)) return null;
    const version = this.dataVersion.get()!.v;
    if (version !== this.version) {
      // Reset outside transactions only, so no rollback can bring stale counts back.
      if (this.db.inTransaction) return null;
      if (this.readStmt) this.db.exec('DELETE FROM temp.crm_row_counts');
      this.version = version;
    }
    let row = this.readStmt?.get(table);
    if (!row) {
      // Installing and seeding inside a transaction would be undone by its rollback.
      if (this.db.inTransaction) return null;
      this.install(table);
      this.db
        .prepare(
          `INSERT INTO temp.crm_row_counts (tbl, live, total)
           VALUES (?, (SELECT count(*) FROM main.${table} WHERE deleted_at IS NULL),
                      (SELECT count(*) FROM main.${table}))`,
        )
        .run(table);
      row = this.readStmt!.get(table);
      if (!row) return null;
    }
    return row[kind];
  }

  private install(table: string): void {
    if (this.installed.has(table)) return;
    this.db.exec(`
CREATE TEMP TABLE IF NOT EXISTS crm_row_counts (
  tbl TEXT PRIMARY KEY,
  live INTEGER NOT NULL,
  total INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TEMP TRIGGER IF NOT EXISTS ${table}_count_ins AFTER INSERT ON main.${table} BEGIN
  UPDATE temp.crm_row_counts SET live = live + (NEW.deleted_at IS NULL), total = total + 1
  WHERE tbl = '${table}';
END;
CREATE TEMP TRIGGER IF NOT EXISTS ${table}_count_del AFTER DELETE ON main.${table} BEGIN
  UPDATE temp.crm_row_counts SET live = live - (OLD.deleted_at IS NULL), total = total - 1
  WHERE tbl = '${table}';
END;
CREATE TEMP TRIGGER IF NOT EXISTS ${table}_count_upd AFTER UPDATE OF deleted_at ON main.${table}
  WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) BEGIN
  UPDATE temp.crm_row_counts SET live = live + (NEW.deleted_at IS NULL) - (OLD.deleted_at IS NULL)
  WHERE tbl = '${table}';
END;`);
    this.installed.add(table);
    this.readStmt ??= this.db.prepare('SELECT live, total FROM temp.crm_row_counts WHERE tbl = ?');
  }
}
