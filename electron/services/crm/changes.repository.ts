import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../db/database';
import { insertBatched } from '../db/insert.batched';
import type { EntityDef } from './crm.entities';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** One op-log row as the fresh-record path inserts it, values already compacted. */
export type OpInsert = readonly [
  opId: string,
  entity: string,
  recordId: string,
  hlc: string,
  deviceId: string,
  fields: string | null,
  elided: string | null,
  state: 'applied' | 'pending',
];

/** One op-log row (one mutation of one record) as the writer reads it. */
export interface LogRow {
  /** Position in this replica's op log. */
  readonly seq: number;
  readonly opId: string;
  readonly entity: string;
  readonly hlc: string;
  readonly deviceId: string;
  /** JSON object field -> value as stored (without its elided values); null once erased. */
  readonly fields: string | null;
  /** JSON array of the fields whose value is the record row's (see oplog.elided.ts), or null. */
  readonly elided: string | null;
  readonly syncState: 'pending' | 'pushed' | 'applied';
}

/** A record row's stamps: who created it and who wrote it last, under which wall-clock times. */
export interface RowMeta {
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
  readonly deletedAt: number | null;
}

/**
 * SQL of the change writer: the op log (`crm_oplog`) and whole-row upserts into the record tables.
 * Table and column names come only from the entity registry's constants; values are bound parameters.
 */
export class ChangesRepository {
  private readonly insertOp: Statement<[string, string, string, string, string, string | null, string]>;
  private readonly rowsStmt: Statement<[string], LogRow>;
  private readonly scrubBefore: Statement<[string, string]>;
  private readonly setFields: Statement<[string, string | null, number]>;
  private readonly compactStmt: Statement<[string, string, string, string]>;
  private readonly loggedStmt: Statement<[string], { id: string }>;
  private readonly stmts = new Map<string, Statement<unknown[], Record<string, unknown>>>();

  constructor(private readonly db: Db) {
    this.insertOp = db.prepare(
      `INSERT OR IGNORE INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.rowsStmt = db.prepare(
      `SELECT seq, op_id AS opId, entity, hlc, device_id AS deviceId, fields, elided, sync_state AS syncState
       FROM crm_oplog WHERE record_id = ? ORDER BY hlc DESC`,
    );
    this.scrubBefore = db.prepare(
      'UPDATE crm_oplog SET fields = NULL, elided = NULL WHERE record_id = ? AND hlc < ?',
    );
    this.setFields = db.prepare('UPDATE crm_oplog SET fields = ?, elided = ? WHERE seq = ?');
    this.compactStmt = db.prepare(
      `UPDATE crm_oplog SET fields = ?, elided = ? WHERE record_id = ? AND hlc = ?
       AND fields IS NOT NULL AND sync_state <> 'pending'`,
    );
    this.loggedStmt = db.prepare(
      `SELECT DISTINCT record_id AS id FROM crm_oplog
       WHERE record_id IN (SELECT value FROM json_each(?))`,
    );
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
  addOp(
    row: {
      opId: string;
      entity: string;
      recordId: string;
      hlc: string;
      deviceId: string;
      fields: string | null;
    },
    state: 'applied' | 'pending',
  ): boolean {
    return (
      this.insertOp.run(row.opId, row.entity, row.recordId, row.hlc, row.deviceId, row.fields, state)
        .changes > 0
    );
  }

  /** Every logged mutation of a record, newest stamp first (the UNIQUE (record_id, hlc) index). */
  log(recordId: string): LogRow[] {
    return this.rowsStmt.all(recordId);
  }

  /** Erasure: drops the values of a record's mutations older than the erasure stamp. */
  scrubOlder(recordId: string, hlc: string): void {
    this.scrubBefore.run(recordId, hlc);
  }

  /** Rewrites one row's stored values and elided names (putting elided values back). */
  restoreValues(seq: number, fields: string, elided: string | null): void {
    this.setFields.run(fields, elided, seq);
  }

  /** Stores a settled row (by record and stamp) without the values its record row holds. */
  compactAt(recordId: string, hlc: string, fields: string, elided: string): void {
    this.compactStmt.run(fields, elided, recordId, hlc);
  }

  /** Inserts or replaces every column of a record row (values in `def.fields` order, as stored). */
  upsert<T>(def: EntityDef<T>, id: string, values: readonly unknown[], meta: RowMeta): void {
    const columns = Object.values(def.fields).map((f) => f.column);
    const all = [...columns, 'created_at', 'created_by', 'updated_at', 'updated_by', 'deleted_at'];
    const sql = `INSERT INTO ${def.table} (id, ${all.join(', ')}) VALUES (?, ${all.map(() => '?').join(', ')})
      ON CONFLICT (id) DO UPDATE SET ${all.map((c) => `${c} = excluded.${c}`).join(', ')}`;
    this.stmt(sql).run(
      id,
      ...values,
      meta.createdAt,
      meta.createdBy,
      meta.updatedAt,
      meta.updatedBy,
      meta.deletedAt,
    );
  }

  /** The ids among `ids` that have op-log rows. */
  logged(ids: readonly string[]): Set<string> {
    return new Set(this.loggedStmt.all(JSON.stringify(ids)).map((r) => r.id));
  }

  /** The ids among `ids` that have a row in `def`'s table (deleted or not). */
  existing<T>(def: EntityDef<T>, ids: readonly string[]): Set<string> {
    const sql = `SELECT id FROM ${def.table} WHERE id IN (SELECT value FROM json_each(?))`;
    return new Set(
      this.stmt(sql)
        .all(JSON.stringify(ids))
        .map((r) => String(r.id)),
    );
  }

  /** Appends op-log rows, many per statement; a (record, stamp) already logged throws (no IGNORE). */
  insertOps(rows: readonly OpInsert[]): void {
    const head = `INSERT INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, elided, sync_state) VALUES `;
    insertBatched((sql) => this.stmt(sql), head, '(?, ?, ?, ?, ?, ?, ?, ?)', rows);
  }

  /**
   * Inserts new record rows, many per statement: each is the id, the column values in `def.fields`
   * order, then created_at, created_by, updated_at, updated_by, deleted_at (`upsert`'s order). An id
   * that has a row throws.
   */
  insertRecords<T>(def: EntityDef<T>, rows: readonly (readonly unknown[])[]): void {
    const columns = Object.values(def.fields).map((f) => f.column);
    const all = [...columns, 'created_at', 'created_by', 'updated_at', 'updated_by', 'deleted_at'];
    insertBatched(
      (sql) => this.stmt(sql),
      `INSERT INTO ${def.table} (id, ${all.join(', ')}) VALUES `,
      `(?, ${all.map(() => '?').join(', ')})`,
      rows,
    );
  }
}
