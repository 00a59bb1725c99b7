import type Database from 'better-sqlite3-multiple-ciphers';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { Db } from '../db/database';

/** One op-log row as the sync engine sees it. `value` is JSON text, null once erased. */
export interface OpRow {
  readonly seq: number;
  readonly opId: string;
  readonly entity: EntityKind;
  readonly recordId: string;
  readonly field: string;
  readonly value: string | null;
  readonly hlc: string;
  readonly deviceId: string;
  readonly syncState: 'pending' | 'pushed' | 'applied';
}

/** A change for the timeline: every field written under one HLC stamp. */
export interface ChangeRow {
  readonly hlc: string;
  readonly deviceId: string;
  readonly fields: string;
}

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

const SELECT_OP = `SELECT seq, op_id AS opId, entity, record_id AS recordId, field, value, hlc,
  device_id AS deviceId, sync_state AS syncState FROM crm_oplog`;

/**
 * The op log (see crm.migrations.ts). Local mutations append 'pending' ops inside the mutation's own
 * transaction; the sync engine reads `pending()`, calls `markPushed`, and records remote ops with
 * `appendRemote`. Values are JSON text.
 */
export class OpLogRepository {
  private readonly insert: Statement<[string, string, string, string, string | null, string, string, string]>;
  private readonly pendingStmt: Statement<[number], OpRow>;
  private readonly pushStmt: Statement<[number, string]>;
  private readonly lastStmt: Statement<[], { hlc: string }>;
  private readonly fieldStmt: Statement<[string, string], { hlc: string }>;
  private readonly changesStmt: Statement<[string, string, number], ChangeRow>;
  private readonly byRecordStmt: Statement<[string], OpRow>;
  private readonly scrubStmt: Statement<[string]>;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO crm_oplog (op_id, entity, record_id, field, value, hlc, device_id, sync_state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.pendingStmt = db.prepare(`${SELECT_OP} WHERE sync_state = 'pending' ORDER BY hlc, seq LIMIT ?`);
    this.pushStmt = db.prepare(
      `UPDATE crm_oplog SET sync_state = 'pushed', pushed_at = ? WHERE op_id = ? AND sync_state = 'pending'`,
    );
    this.lastStmt = db.prepare('SELECT hlc FROM crm_oplog ORDER BY seq DESC LIMIT 1');
    this.fieldStmt = db.prepare(
      'SELECT hlc FROM crm_oplog WHERE record_id = ? AND field = ? ORDER BY hlc DESC LIMIT 1',
    );
    this.changesStmt = db.prepare(
      `SELECT hlc, device_id AS deviceId, group_concat(field, ',') AS fields FROM crm_oplog
       WHERE record_id = ? AND hlc < ? GROUP BY hlc ORDER BY hlc DESC LIMIT ?`,
    );
    this.byRecordStmt = db.prepare(`${SELECT_OP} WHERE record_id = ? ORDER BY hlc, seq`);
    this.scrubStmt = db.prepare('UPDATE crm_oplog SET value = NULL WHERE record_id = ?');
  }

  /** Appends local ops (pending for sync). Call inside the mutation's transaction. */
  appendLocal(
    opId: string,
    entity: EntityKind,
    recordId: string,
    field: string,
    value: string | null,
    hlc: string,
    deviceId: string,
  ): void {
    this.insert.run(opId, entity, recordId, field, value, hlc, deviceId, 'pending');
  }

  /** Records a remote op that was merged (idempotent by op id is the caller's check). */
  appendRemote(op: Omit<OpRow, 'seq' | 'syncState'>): void {
    this.insert.run(op.opId, op.entity, op.recordId, op.field, op.value, op.hlc, op.deviceId, 'applied');
  }

  /** Pending local ops in HLC order, for the sync engine to push. */
  pending(limit: number): OpRow[] {
    return this.pendingStmt.all(limit);
  }

  /** Marks ops as pushed (accepted by the server). */
  markPushed(opIds: readonly string[], at: number): void {
    for (const id of opIds) this.pushStmt.run(at, id);
  }

  /** The newest stamp in the log (to restart the clock monotonically). */
  lastHlc(): string | null {
    return this.lastStmt.get()?.hlc ?? null;
  }

  /** The newest stamp that wrote this field (for last-writer-wins merges). */
  fieldHlc(recordId: string, field: string): string | null {
    return this.fieldStmt.get(recordId, field)?.hlc ?? null;
  }

  /** Changes to one record before `beforeHlc`, newest first, grouped by stamp. */
  changes(recordId: string, beforeHlc: string, limit: number): ChangeRow[] {
    return this.changesStmt.all(recordId, beforeHlc, limit);
  }

  /** Every op of one record, oldest first. */
  forRecord(recordId: string): OpRow[] {
    return this.byRecordStmt.all(recordId);
  }

  /** Erasure: drops the values of every op of a record; the op rows (ids, fields, stamps) stay. */
  scrubValues(recordId: string): void {
    this.scrubStmt.run(recordId);
  }
}
