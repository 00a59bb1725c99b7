import type { AuditEventType, AuditOutcome } from '../../../shared/audit/audit.schemas';
import type { Db } from '../db/database';
import type { AuditCheckpoint, AuditRow } from './audit.chain';

interface RowRecord {
  seq: number;
  time: number;
  type: string;
  outcome: string;
  entry: string;
  prev_hash: Uint8Array;
  hash: Uint8Array;
  mac: Uint8Array;
}

function toRow(r: RowRecord): AuditRow {
  return {
    seq: r.seq,
    time: r.time,
    type: r.type,
    outcome: r.outcome,
    entry: r.entry,
    prevHash: new Uint8Array(r.prev_hash),
    hash: new Uint8Array(r.hash),
    mac: new Uint8Array(r.mac),
  };
}

/** Filters of `audit.list` and `audit.export`. */
export interface AuditFilter {
  readonly types?: readonly AuditEventType[];
  readonly outcome?: AuditOutcome;
  readonly from?: number;
  readonly to?: number;
  readonly before?: number;
}

/** The audit domain's SQL (parameterised; the type list binds one parameter per value). */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  last(): AuditRow | null {
    const r = this.db.prepare<[], RowRecord>('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1').get();
    return r ? toRow(r) : null;
  }

  append(row: AuditRow): void {
    this.db
      .prepare(
        'INSERT INTO audit_events (seq, time, type, outcome, entry, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.seq, row.time, row.type, row.outcome, row.entry, row.prevHash, row.hash, row.mac);
  }

  /** Every row in sequence order, streamed (a long log is never held whole). */
  *rows(): Generator<AuditRow> {
    for (const r of this.db.prepare<[], RowRecord>('SELECT * FROM audit_events ORDER BY seq').iterate()) {
      yield toRow(r);
    }
  }

  /** A cursor of `audit_state`, or null before it was first set. */
  state(key: string): number | null {
    const r = this.db
      .prepare<[string], { value: number }>('SELECT value FROM audit_state WHERE key = ?')
      .get(key);
    return r?.value ?? null;
  }

  setState(key: string, value: number): void {
    this.db
      .prepare(
        'INSERT INTO audit_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  lastCheckpointSeq(): number {
    const r = this.db.prepare<[], { s: number | null }>('SELECT max(seq) AS s FROM audit_checkpoints').get();
    return r?.s ?? 0;
  }

  addCheckpoint(cp: AuditCheckpoint, time: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO audit_checkpoints (seq, head, signature, time) VALUES (?, ?, ?, ?)')
      .run(cp.seq, cp.head, cp.signature, time);
  }

  checkpoints(): AuditCheckpoint[] {
    return this.db
      .prepare<[], { seq: number; head: Uint8Array; signature: Uint8Array }>(
        'SELECT seq, head, signature FROM audit_checkpoints ORDER BY seq',
      )
      .all()
      .map((r) => ({ seq: r.seq, head: new Uint8Array(r.head), signature: new Uint8Array(r.signature) }));
  }

  private where(filter: AuditFilter): { sql: string; params: (string | number)[] } {
    const parts: string[] = [];
    const params: (string | number)[] = [];
    if (filter.types && filter.types.length > 0) {
      parts.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
      params.push(...filter.types);
    }
    if (filter.outcome) {
      parts.push('outcome = ?');
      params.push(filter.outcome);
    }
    if (filter.from !== undefined) {
      parts.push('time >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      parts.push('time <= ?');
      params.push(filter.to);
    }
    if (filter.before !== undefined) {
      parts.push('seq < ?');
      params.push(filter.before);
    }
    return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
  }

  /** Stored entry texts matching `filter`, newest first. */
  page(filter: AuditFilter, limit: number): { seq: number; entry: string; hash: Uint8Array }[] {
    const { sql, params } = this.where(filter);
    return this.db
      .prepare<(string | number)[], { seq: number; entry: string; hash: Uint8Array }>(
        `SELECT seq, entry, hash FROM audit_events ${sql} ORDER BY seq DESC LIMIT ?`,
      )
      .all(...params, limit);
  }

  count(filter: AuditFilter): number {
    const { sql, params } = this.where({ ...filter, before: undefined });
    const r = this.db
      .prepare<(string | number)[], { n: number }>(`SELECT count(*) AS n FROM audit_events ${sql}`)
      .get(...params);
    return r?.n ?? 0;
  }

  /** Matching entries oldest first, streamed, for exports. */
  *matching(filter: AuditFilter): Generator<{ seq: number; entry: string; hash: Uint8Array }> {
    const { sql, params } = this.where(filter);
    yield* this.db
      .prepare<(string | number)[], { seq: number; entry: string; hash: Uint8Array }>(
        `SELECT seq, entry, hash FROM audit_events ${sql} ORDER BY seq`,
      )
      .iterate(...params);
  }
}
