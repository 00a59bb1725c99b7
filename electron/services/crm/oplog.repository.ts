import type Database from 'better-sqlite3-multiple-ciphers';
import type { EntityKind, FieldOp } from '../../../shared/domain/crm.schemas';
import type { Db } from '../db/database';
import { defOf } from './crm.entities';
import { parseObject } from './changes.validate';
import { compactFields, elidedNames, expandFields } from './oplog.elided';
import { RecordsRepository } from './records.repository';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * One op-log row: every field one mutation wrote to one record, under one HLC stamp. Each entry of
 * `fields` is a field-level op (LWW merges field by field); they share a row because they share
 * their stamp, which makes bulk writes several times cheaper than one row per field.
 */
export interface OpRow {
  readonly seq: number;
  /** UUIDv7 of the mutation; the field op id is `${opId}/${field}`. */
  readonly opId: string;
  readonly entity: EntityKind;
  readonly recordId: string;
  readonly hlc: string;
  readonly deviceId: string;
  /**
   * JSON object field -> value; null once erased. As read through this repository, values a settled
   * row elides (oplog.elided.ts) are back in it, from the record row.
   */
  readonly fields: string | null;
  readonly syncState: 'pending' | 'pushed' | 'applied';
}

interface StoredRow extends OpRow {
  /** JSON array of the fields whose value is the record row's (crm migration 14), or null. */
  readonly elided: string | null;
}

/** A change for the timeline: the fields written under one stamp. */
export interface ChangeRow {
  readonly hlc: string;
  readonly deviceId: string;
  readonly fieldNames: string;
}

/** Rows per statement of a bulk append (600 parameters, well under SQLite's limit). */
const OPS_PER_INSERT = 100;

const SELECT_OP = `SELECT seq, op_id AS opId, entity, record_id AS recordId, hlc, device_id AS deviceId,
  fields, sync_state AS syncState, elided FROM crm_oplog`;

/** Rows per page of `settledByRecord` (each page is read whole, then expanded). */
const SETTLED_PAGE = 2000;

/** Expands a row into its field-level ops (as the sync engine ships and merges them). */
export function fieldOps(row: OpRow): FieldOp[] {
  const fields = row.fields === null ? {} : (JSON.parse(row.fields) as Record<string, unknown>);
  return Object.entries(fields).map(([field, value]) => ({
    opId: `${row.opId}/${field}`,
    entity: row.entity,
    recordId: row.recordId,
    field,
    value,
    hlc: row.hlc,
    deviceId: row.deviceId,
  }));
}

/**
 * The op log (see crm.migrations.ts), as sync and the timeline read it. The change writer appends
 * every row (changes.repository.ts); the bulk importer appends with `appendLocalMany`; sync reads
 * `pending()` (HLC order) and calls `markPushed`, which compacts the rows the server now holds
 * (oplog.elided.ts); every read here gives rows with their elided values back, from the record rows.
 */
export class OpLogRepository {
  private readonly insert: Statement<[string, string, string, string, string, string | null]>;
  private readonly insertMany: Statement<string[]>;
  private readonly pendingStmt: Statement<[number, number], StoredRow>;
  private readonly pushStmt: Statement<[number, number]>;
  private readonly lowWaterGet: Statement<[], { value: string }>;
  private readonly lowWaterSet: Statement<[string]>;
  private readonly lowWaterNext: Statement<[number], { lw: number | null }>;
  private readonly changesStmt: Statement<[string, string, number], ChangeRow>;
  private readonly byRecordStmt: Statement<[string], StoredRow>;
  private readonly bySeqStmt: Statement<[number], StoredRow>;
  private readonly laterStmt: Statement<[string, string], { fields: string | null; elided: string | null }>;
  private readonly elideStmt: Statement<[string, string, number]>;
  private readonly settledStmt: Statement<[string, string, number], StoredRow>;
  private readonly maxSeqStmt: Statement<[], { s: number | null }>;
  private readonly pendingCountStmt: Statement<[number], { n: number }>;

  private readonly records: RecordsRepository;

  constructor(
    private readonly db: Db,
    records?: RecordsRepository,
  ) {
    this.records = records ?? new RecordsRepository(db);
    this.insert = db.prepare(
      `INSERT INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state)
       VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
    );
    this.insertMany = db.prepare(
      `INSERT INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state)
       VALUES ${Array.from({ length: OPS_PER_INSERT }, () => "(?, ?, ?, ?, ?, ?, 'pending')").join(', ')}`,
    );
    // Local ops are appended in HLC order (the clock is monotonic), so seq order is HLC order.
    this.pendingStmt = db.prepare(
      `${SELECT_OP} WHERE seq > ? AND sync_state = 'pending' ORDER BY seq LIMIT ?`,
    );
    this.pushStmt = db.prepare(
      `UPDATE crm_oplog SET sync_state = 'pushed', pushed_at = ? WHERE seq = ? AND sync_state = 'pending'`,
    );
    this.lowWaterGet = db.prepare("SELECT value FROM crm_meta WHERE key = 'oplog.pushedThrough'");
    this.lowWaterSet = db.prepare(
      `INSERT INTO crm_meta (key, value) VALUES ('oplog.pushedThrough', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.lowWaterNext = db.prepare(
      `SELECT coalesce((SELECT min(seq) - 1 FROM crm_oplog WHERE seq > ? AND sync_state = 'pending'),
                       (SELECT max(seq) FROM crm_oplog)) AS lw`,
    );
    this.changesStmt = db.prepare(
      `SELECT hlc, device_id AS deviceId, coalesce((SELECT group_concat(name, ',') FROM (
         SELECT key AS name FROM json_each(fields) UNION ALL SELECT value FROM json_each(coalesce(elided, '[]')))), '') AS fieldNames
       FROM crm_oplog WHERE record_id = ? AND hlc < ? ORDER BY hlc DESC LIMIT ?`,
    );
    this.byRecordStmt = db.prepare(`${SELECT_OP} WHERE record_id = ? ORDER BY hlc, seq`);
    this.bySeqStmt = db.prepare(`${SELECT_OP} WHERE seq = ?`);
    this.laterStmt = db.prepare('SELECT fields, elided FROM crm_oplog WHERE record_id = ? AND hlc > ?');
    this.elideStmt = db.prepare(
      "UPDATE crm_oplog SET fields = ?, elided = ? WHERE seq = ? AND sync_state <> 'pending'",
    );
    this.settledStmt = db.prepare(
      `${SELECT_OP} WHERE (record_id, hlc) > (?, ?) AND sync_state <> 'pending' AND fields IS NOT NULL
       ORDER BY record_id, hlc LIMIT ?`,
    );
    this.maxSeqStmt = db.prepare('SELECT max(seq) AS s FROM crm_oplog');
    this.pendingCountStmt = db.prepare(
      "SELECT count(*) AS n FROM crm_oplog WHERE seq > ? AND sync_state = 'pending'",
    );
  }

  /**
   * Every row the server holds (applied or pushed, with fields), by record and then HLC order, as
   * `[opId, entity, recordId, hlc, fields]`: what a workspace snapshot compacts (issue 12).
   */
  *settledByRecord(): Generator<[string, string, string, string, string]> {
    // In pages (keyset on the UNIQUE (record_id, hlc) index): expanding a row reads its record,
    // which better-sqlite3 refuses while another statement of the connection is iterating.
    let after: [string, string] = ['', ''];
    for (;;) {
      const page = this.settledStmt.all(after[0], after[1], SETTLED_PAGE);
      for (const r of page) yield [r.opId, r.entity, r.recordId, r.hlc, this.expand(r).fields ?? '{}'];
      const last = page[page.length - 1];
      if (!last || page.length < SETTLED_PAGE) return;
      after = [last.recordId, last.hlc];
    }
  }

  /** The largest seq (the primary key: instant), to notice new changes cheaply. */
  maxSeq(): number {
    return this.maxSeqStmt.get()?.s ?? 0;
  }

  /** Local rows not yet acknowledged by the server (scanned from the pushed-through mark). */
  pendingCount(): number {
    return this.pendingCountStmt.get(this.lowWater())!.n;
  }

  /** Appends one mutation's fields of one record (pending for sync). Call inside its transaction. */
  appendLocal(
    opId: string,
    entity: EntityKind,
    recordId: string,
    hlc: string,
    deviceId: string,
    fields: string,
  ): void {
    this.insert.run(opId, entity, recordId, hlc, deviceId, fields);
  }

  /**
   * Appends many local rows (bulk import), in the order given, which must be HLC order; each element
   * is `[opId, entity, recordId, hlc, deviceId, fields]`.
   */
  appendLocalMany(rows: readonly (readonly [string, EntityKind, string, string, string, string])[]): void {
    // Many rows per statement: the per-statement cost was most of an op row's (measured ~2x faster).
    let at = 0;
    for (; at + OPS_PER_INSERT <= rows.length; at += OPS_PER_INSERT) {
      const args: string[] = [];
      for (let k = at; k < at + OPS_PER_INSERT; k++) args.push(...rows[k]!);
      this.insertMany.run(...args);
    }
    for (; at < rows.length; at++) {
      const r = rows[at]!;
      this.insert.run(r[0], r[1], r[2], r[3], r[4], r[5]);
    }
  }

  private lowWater(): number {
    return Number(this.lowWaterGet.get()?.value ?? 0);
  }

  /** Pending local rows in HLC order, for the sync engine to push (expand with `fieldOps`). */
  pending(limit: number): OpRow[] {
    // Pending rows never elide (compaction waits for the server's acknowledgement).
    return this.pendingStmt.all(this.lowWater(), limit).map(({ elided: _elided, ...row }) => row);
  }

  /**
   * Marks rows (by seq) as pushed (accepted by the server), advances the low-water mark and drops the
   * values the record rows now hold (`compact`). Call inside a transaction.
   */
  markPushed(seqs: readonly number[], at: number): void {
    for (const seq of seqs) this.pushStmt.run(at, seq);
    this.lowWaterSet.run(String(this.lowWaterNext.get(this.lowWater())?.lw ?? 0));
    this.compact(seqs);
  }

  /**
   * Drops from settled rows (by seq) each value that is its record row's and that no newer row of
   * the record writes (see oplog.elided.ts); rows still pending, erased or unknown are left as they are.
   * Returns how many rows dropped something.
   */
  compact(seqs: Iterable<number>): number {
    let n = 0;
    for (const seq of seqs) {
      const row = this.bySeqStmt.get(seq);
      if (!row || row.syncState === 'pending' || row.fields === null) continue;
      const def = defOf(row.entity);
      const record = def ? this.records.get(def, row.recordId) : null;
      if (!def || !record) continue;
      const later = new Set<string>();
      for (const l of this.laterStmt.all(row.recordId, row.hlc)) {
        for (const name of elidedNames(l.elided)) later.add(name);
        if (l.fields !== null)
          for (const name of Object.keys(JSON.parse(l.fields) as object)) later.add(name);
      }
      const values = parseObject(row.fields);
      const out = values && compactFields(def, values, row.elided, (f) => later.has(f), record);
      if (out && this.elideStmt.run(out.fields, out.elided, seq).changes > 0) n++;
    }
    return n;
  }

  /** A stored row with its elided values read back from its record row. */
  private expand(row: StoredRow): OpRow {
    const { elided, ...rest } = row;
    if (elided === null || row.fields === null) return rest;
    const def = defOf(row.entity);
    const record = def ? this.records.get(def, row.recordId) : null;
    return { ...rest, fields: expandFields(row.fields, elided, record) };
  }

  /** Changes to one record before `beforeHlc`, newest first. */
  changes(recordId: string, beforeHlc: string, limit: number): ChangeRow[] {
    return this.changesStmt.all(recordId, beforeHlc, limit);
  }

  /** Every op row of one record, oldest first. */
  forRecord(recordId: string): OpRow[] {
    const rows = this.byRecordStmt.all(recordId);
    const elides = rows.some((r) => r.elided !== null);
    if (!elides) return rows.map(({ elided: _elided, ...row }) => row);
    const def = defOf(rows[0]!.entity);
    const record = def ? this.records.get(def, recordId) : null;
    return rows.map(({ elided, ...row }) => ({ ...row, fields: expandFields(row.fields, elided, record) }));
  }
}
