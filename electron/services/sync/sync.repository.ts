import type { Db } from '../db/database';
import { withSecureDelete } from '../db/secure-delete';
import type { ErasureSink } from '../crm/change.pipeline';

/** The workspace this vault syncs with (one row). */
export interface WorkspaceRow {
  readonly workspaceId: string;
  readonly deviceId: string;
  readonly serverUrl: string;
  readonly name: string | null;
  readonly cursor: number;
  readonly lastSyncAt: number | null;
}

export interface KeyRow {
  readonly kind: 'sign' | 'box' | 'workspace';
  readonly keyId: number;
  readonly secret: Buffer;
  readonly public: Buffer | null;
}

export interface OutboxRow {
  readonly deltaId: string;
  readonly envelope: Buffer;
  /** JSON array of the op-log seqs the delta carries. */
  readonly seqs: string;
  readonly ops: number;
}

export interface QuarantineRow {
  readonly opId: string;
  readonly deltaId: string;
  readonly seq: number;
  readonly reason: string;
  readonly entity: string;
  readonly recordId: string;
  readonly hlc: string;
  readonly deviceId: string;
  readonly receivedAt: number;
}

export interface ConflictRow {
  readonly conflictId: string;
  readonly entity: string;
  readonly recordId: string;
  readonly field: string;
  readonly currentValue: string | null;
  readonly currentHlc: string;
  readonly currentDevice: string;
  readonly otherValue: string | null;
  readonly otherHlc: string;
  readonly otherDevice: string;
  readonly detectedAt: number;
}

const CONFLICT_COLUMNS = `conflict_id AS conflictId, entity, record_id AS recordId, field,
  current_value AS currentValue, current_hlc AS currentHlc, current_device AS currentDevice,
  other_value AS otherValue, other_hlc AS otherHlc, other_device AS otherDevice, detected_at AS detectedAt`;

/** The sync domain's own tables (see sync.migrations.ts). Secrets are returned as fresh Buffers: zero them. */
export class SyncRepository {
  constructor(private readonly db: Db) {}

  workspace(): WorkspaceRow | null {
    return (
      this.db
        .prepare<[], WorkspaceRow>(
          `SELECT workspace_id AS workspaceId, device_id AS deviceId, server_url AS serverUrl, name, cursor,
           last_sync_at AS lastSyncAt FROM sync_workspace WHERE id = 1`,
        )
        .get() ?? null
    );
  }

  /** Stores the workspace and this device's keys in one transaction. */
  saveWorkspace(
    ws: { workspaceId: string; deviceId: string; serverUrl: string; name: string | null },
    keys: readonly KeyRow[],
    at: number,
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sync_keys').run();
      this.db.prepare('DELETE FROM sync_workspace').run();
      this.db
        .prepare(
          `INSERT INTO sync_workspace (id, workspace_id, device_id, server_url, name, cursor, created_at)
           VALUES (1, ?, ?, ?, ?, 0, ?)`,
        )
        .run(ws.workspaceId, ws.deviceId, ws.serverUrl, ws.name, at);
      const ins = this.db.prepare('INSERT INTO sync_keys (kind, key_id, secret, public) VALUES (?, ?, ?, ?)');
      for (const k of keys) ins.run(k.kind, k.keyId, k.secret, k.public);
    })();
  }

  /** Adds workspace keys of new epochs (issue 12); a key id already stored is left as it is. */
  addWorkspaceKeys(keys: readonly { keyId: number; secret: Buffer }[]): void {
    const ins = this.db.prepare(
      "INSERT INTO sync_keys (kind, key_id, secret, public) VALUES ('workspace', ?, ?, NULL) ON CONFLICT (kind, key_id) DO NOTHING",
    );
    this.db.transaction(() => {
      for (const k of keys) ins.run(k.keyId, k.secret);
    })();
  }

  keys(): KeyRow[] {
    return this.db
      .prepare<[], KeyRow>(
        'SELECT kind, key_id AS keyId, secret, public FROM sync_keys ORDER BY kind, key_id',
      )
      .all();
  }

  setCursor(cursor: number): void {
    this.db.prepare('UPDATE sync_workspace SET cursor = ? WHERE id = 1').run(cursor);
  }

  setLastSync(at: number): void {
    this.db.prepare('UPDATE sync_workspace SET last_sync_at = ? WHERE id = 1').run(at);
  }

  // ---- outbox ----

  outbox(): OutboxRow[] {
    return this.db
      .prepare<[], OutboxRow>(
        'SELECT delta_id AS deltaId, envelope, seqs, ops FROM sync_outbox ORDER BY created_at, rowid',
      )
      .all();
  }

  addOutbox(
    rows: readonly { deltaId: string; envelope: Uint8Array; seqs: readonly number[] }[],
    at: number,
  ): void {
    const ins = this.db.prepare(
      'INSERT INTO sync_outbox (delta_id, envelope, seqs, ops, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const r of rows)
      ins.run(r.deltaId, Buffer.from(r.envelope), JSON.stringify(r.seqs), r.seqs.length, at);
  }

  removeOutbox(deltaId: string): void {
    this.db.prepare('DELETE FROM sync_outbox WHERE delta_id = ?').run(deltaId);
  }

  /** Records where a pushed delta's ops (op-log seqs min..max) landed in the server's log. */
  addPushed(serverSeq: number, minOpSeq: number, maxOpSeq: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO sync_pushed (server_seq, min_op_seq, max_op_seq) VALUES (?, ?, ?)')
      .run(serverSeq, minOpSeq, maxOpSeq);
  }

  /** The server seq of the delta that carried local op-log row `opSeq`, if known. */
  pushedAt(opSeq: number): number | null {
    const row = this.db
      .prepare<[number], { serverSeq: number; minOpSeq: number }>(
        `SELECT server_seq AS serverSeq, min_op_seq AS minOpSeq FROM sync_pushed WHERE max_op_seq >= ?
         ORDER BY max_op_seq LIMIT 1`,
      )
      .get(opSeq);
    return row && row.minOpSeq <= opSeq ? row.serverSeq : null;
  }

  // ---- rejected deltas and quarantined ops ----

  addRejected(
    r: { deltaId: string; seq: number; deviceId: string; reason: string; receivedAt: number },
    at: number,
  ): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO sync_rejected (delta_id, seq, device_id, reason, received_at, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(r.deltaId, r.seq, r.deviceId, r.reason, r.receivedAt, at);
  }

  rejectedCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_rejected').get()!.n;
  }

  rejected(): { deltaId: string; seq: number; deviceId: string; reason: string }[] {
    return this.db
      .prepare<[], { deltaId: string; seq: number; deviceId: string; reason: string }>(
        'SELECT delta_id AS deltaId, seq, device_id AS deviceId, reason FROM sync_rejected ORDER BY seq',
      )
      .all();
  }

  /**
   * Holds back an op: which one and why, never its values (nothing applies them later, and they may
   * be what an erasure removes, or a hostile op's payload).
   */
  addQuarantine(q: QuarantineRow, at: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO sync_quarantine (op_id, delta_id, seq, reason, entity, record_id, hlc,
         device_id, received_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(q.opId, q.deltaId, q.seq, q.reason, q.entity, q.recordId, q.hlc, q.deviceId, q.receivedAt, at);
  }

  quarantineCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_quarantine').get()!.n;
  }

  quarantined(): { opId: string; reason: string }[] {
    return this.db
      .prepare<[], { opId: string; reason: string }>(
        'SELECT op_id AS opId, reason FROM sync_quarantine ORDER BY seq, hlc',
      )
      .all();
  }

  // ---- conflicts ----

  addConflict(c: ConflictRow): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO sync_conflicts (conflict_id, entity, record_id, field, current_value, current_hlc,
         current_device, other_value, other_hlc, other_device, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.conflictId,
        c.entity,
        c.recordId,
        c.field,
        c.currentValue,
        c.currentHlc,
        c.currentDevice,
        c.otherValue,
        c.otherHlc,
        c.otherDevice,
        c.detectedAt,
      );
  }

  openConflicts(): ConflictRow[] {
    return this.db
      .prepare<[], ConflictRow>(
        `SELECT ${CONFLICT_COLUMNS} FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY detected_at DESC, conflict_id`,
      )
      .all();
  }

  conflict(conflictId: string): (ConflictRow & { resolvedAt: number | null }) | null {
    return (
      this.db
        .prepare<[string], ConflictRow & { resolvedAt: number | null }>(
          `SELECT ${CONFLICT_COLUMNS}, resolved_at AS resolvedAt FROM sync_conflicts WHERE conflict_id = ?`,
        )
        .get(conflictId) ?? null
    );
  }

  /**
   * Marks resolved the open conflicts of this record and field whose both sides are older than `hlc`
   * (an applied op that supersedes them). Returns how many were closed.
   */
  /** Whether any conflict is still open (uses the partial index on open conflicts). */
  hasOpenConflicts(): boolean {
    return (
      this.db.prepare('SELECT 1 FROM sync_conflicts WHERE resolved_at IS NULL LIMIT 1').get() !== undefined
    );
  }

  closeSupersededConflicts(recordId: string, field: string, hlc: string, at: number): number {
    return this.db
      .prepare(
        `UPDATE sync_conflicts SET resolved_at = ? WHERE resolved_at IS NULL AND record_id = ? AND field = ?
         AND current_hlc < ? AND other_hlc < ?`,
      )
      .run(at, recordId, field, hlc, hlc).changes;
  }

  /**
   * Forgets the conflicts of a record erased at `hlc` either side of which is older: both sides'
   * values are stored, and picking one would bring the person back. Later conflicts stay.
   */
  forgetErased(recordId: string, hlc: string): void {
    const st = this.db.prepare(
      'DELETE FROM sync_conflicts WHERE record_id = ? AND (current_hlc < ? OR other_hlc < ?)',
    );
    withSecureDelete(this.db, () => st.run(recordId, hlc, hlc));
  }

  resolveConflict(conflictId: string, at: number): void {
    this.db.prepare('UPDATE sync_conflicts SET resolved_at = ? WHERE conflict_id = ?').run(at, conflictId);
  }
}

/** The CRM writer's erasure sink (changes.writer.ts): the sync tables of the erasing connection. */
export const forgetErasedInSync: ErasureSink = (db, recordId, erasedAt) =>
  new SyncRepository(db).forgetErased(recordId, erasedAt);
