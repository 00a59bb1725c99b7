import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../db/database';

/** One op-log row (one mutation of one record) as the merge reads it. */
export interface MergeLogRow {
  /** Position in this replica's op log. */
  readonly seq: number;
  readonly opId: string;
  readonly hlc: string;
  readonly deviceId: string;
  /** JSON object field -> value; null once erased. */
  readonly fields: string | null;
  readonly syncState: 'pending' | 'pushed' | 'applied';
}

/** A mutation from another device, as carried by a sync delta. */
export interface MergeRow {
  readonly opId: string;
  readonly entity: string;
  readonly recordId: string;
  readonly hlc: string;
  readonly deviceId: string;
  /** JSON object field -> value (null once erased). */
  readonly fields: string | null;
}

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * SQL of the sync merge over the CRM tables (crm_oplog and the record tables). Table and column names
 * come only from the constant entity definitions; values are bound parameters.
 */
export class CrmMergeRepository {
  private readonly insertOp: Statement<[string, string, string, string, string, string | null, string]>;
  private readonly rowsStmt: Statement<[string], MergeLogRow>;
  private readonly scrubBefore: Statement<[string, string]>;
  private readonly stmts = new Map<string, Statement<unknown[], Record<string, unknown>>>();

  constructor(private readonly db: Db) {
    this.insertOp = db.prepare(
      `INSERT OR IGNORE INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.rowsStmt = db.prepare(
      `SELECT seq, op_id AS opId, hlc, device_id AS deviceId, fields, sync_state AS syncState FROM crm_oplog
       WHERE record_id = ? ORDER BY hlc DESC`,
    );
    this.scrubBefore = db.prepare('UPDATE crm_oplog SET fields = NULL WHERE record_id = ? AND hlc < ?');
  }

  private stmt(sql: string): Statement<unknown[], Record<string, unknown>> {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[], Record<string, unknown>>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Records a mutation; false when (record, stamp) is already in the log (a duplicate delivery). */
  addRow(row: MergeRow, state: 'applied' | 'pending'): boolean {
    return (
      this.insertOp.run(row.opId, row.entity, row.recordId, row.hlc, row.deviceId, row.fields, state)
        .changes > 0
    );
  }

  /** Every logged mutation of a record, newest stamp first (the UNIQUE (record_id, hlc) index). */
  rows(recordId: string): MergeLogRow[] {
    return this.rowsStmt.all(recordId);
  }

  /** Erasure: drops the values of a record's mutations older than the erasure stamp. */
  scrubOlder(recordId: string, hlc: string): void {
    this.scrubBefore.run(recordId, hlc);
  }

  exists(table: string, id: string): boolean {
    return this.stmt(`SELECT 1 AS x FROM ${table} WHERE id = ?`).get(id) !== undefined;
  }

  /** Widens a row's created_at/updated_at to cover these stamps (min/max: order-independent). */
  coverMeta(table: string, id: string, minWall: number, maxWall: number): void {
    this.stmt(
      `UPDATE ${table} SET created_at = min(created_at, ?), updated_at = max(updated_at, ?) WHERE id = ?`,
    ).run(minWall, maxWall, id);
  }

  /** Inserts a row with every column given (column -> SQLite value). */
  insertRow(
    table: string,
    id: string,
    columns: ReadonlyMap<string, unknown>,
    created: { at: number; by: string },
    updated: { at: number; by: string },
  ): void {
    const names = [...columns.keys()];
    const sql = `INSERT INTO ${table} (id, ${names.join(', ')}, created_at, created_by, updated_at, updated_by)
      VALUES (?, ${names.map(() => '?').join(', ')}, ?, ?, ?, ?)`;
    this.stmt(sql).run(id, ...columns.values(), created.at, created.by, updated.at, updated.by);
  }

  /**
   * Sets the given columns; moves created_at back and updated_at forward to cover the applied stamps
   * (so meta converges whatever the delivery order).
   */
  updateRow(
    table: string,
    id: string,
    columns: ReadonlyMap<string, unknown>,
    created: { at: number; by: string },
    updated: { at: number; by: string },
  ): void {
    const sets = [...columns.keys()].map((c) => `${c} = ?`);
    const sql = `UPDATE ${table} SET ${[
      ...sets,
      'created_by = CASE WHEN ? < created_at THEN ? ELSE created_by END',
      'created_at = min(created_at, ?)',
      'updated_by = CASE WHEN ? >= updated_at THEN ? ELSE updated_by END',
      'updated_at = max(updated_at, ?)',
    ].join(', ')} WHERE id = ?`;
    this.stmt(sql).run(
      ...columns.values(),
      created.at,
      created.by,
      created.at,
      updated.at,
      updated.by,
      updated.at,
      id,
    );
  }
}
