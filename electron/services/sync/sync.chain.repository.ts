import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../db/database';
import { withSecureDelete } from '../db/secure-delete';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** One delta this device sealed (see sync.migrations.ts v3). */
export interface OwnDeltaRow {
  readonly dseq: number;
  readonly deltaId: string;
  readonly digest: Buffer;
  readonly envelope: Buffer;
}

/**
 * `sync_own_deltas.delivered`: 0 not (yet) delivered back, 1 delivered, 2 delivered corrupted (the
 * server holds other bytes under its id), 3 its ops were sealed again in a later delta.
 */
const DELIVERED = 1;
const CORRUPT = 2;
const REPLACED = 3;

/** The digest stored for a chain position that a later delta of its author declared resent. */
export const RESENT_MARKER = Buffer.alloc(32);

/** A chain position seen from some author. */
export interface SeenRow {
  readonly digest: Buffer;
  readonly prev: Buffer | null;
}

/** What integrity checks found and have not cleared. */
export interface IntegrityRow {
  readonly rollbackAt: number | null;
  readonly gapAt: number | null;
  readonly forks: number;
  readonly reordered: number;
}

/** SQL of the delta chains: this device's own deltas, what was seen of every author, findings. */
export class ChainRepository {
  private readonly seenGet: Statement<[string, number], SeenRow>;
  private readonly seenMax: Statement<[string], { m: number | null }>;
  private readonly seenAdd: Statement<[string, number, Buffer, Buffer | null]>;
  private readonly ownDelivered: Statement<[string]>;

  constructor(private readonly db: Db) {
    this.seenGet = db.prepare('SELECT digest, prev FROM sync_chain_seen WHERE device_id = ? AND dseq = ?');
    this.seenMax = db.prepare('SELECT max(dseq) AS m FROM sync_chain_seen WHERE device_id = ?');
    this.seenAdd = db.prepare(
      'INSERT OR IGNORE INTO sync_chain_seen (device_id, dseq, digest, prev) VALUES (?, ?, ?, ?)',
    );
    this.ownDelivered = db.prepare(
      `UPDATE sync_own_deltas SET delivered = ${DELIVERED} WHERE delta_id = ? AND delivered <> ${REPLACED}`,
    );
  }

  // ---- this device's own chain ----

  /** The newest own delta (highest dseq) this vault sealed, if any. */
  ownHead(): { dseq: number; digest: Buffer } | null {
    return (
      this.db
        .prepare<[], { dseq: number; digest: Buffer }>(
          'SELECT dseq, digest FROM sync_own_deltas ORDER BY dseq DESC LIMIT 1',
        )
        .get() ?? null
    );
  }

  addOwn(rows: readonly OwnDeltaRow[]): void {
    const ins = this.db.prepare(
      'INSERT INTO sync_own_deltas (dseq, delta_id, digest, envelope) VALUES (?, ?, ?, ?)',
    );
    for (const r of rows) ins.run(r.dseq, r.deltaId, r.digest, r.envelope);
  }

  /** Records where the server says an own delta landed (again: a resent one moves). */
  setOwnAcked(deltaId: string, serverSeq: number): void {
    this.db
      .prepare(
        // A first acknowledgement keeps `delivered` (a pull may have beaten a lost answer); a move resets it.
        `UPDATE sync_own_deltas SET delivered = CASE WHEN server_seq IS NULL THEN delivered ELSE 0 END,
         server_seq = ? WHERE delta_id = ? AND server_seq IS NOT ?`,
      )
      .run(serverSeq, deltaId, serverSeq);
  }

  /** Notes that a pull delivered this own delta back. */
  markOwnDelivered(deltaId: string): void {
    this.ownDelivered.run(deltaId);
  }

  /** Notes that a pull delivered this own delta with bytes that do not open (the server altered it). */
  markOwnCorrupt(deltaId: string): void {
    this.db
      .prepare(
        `UPDATE sync_own_deltas SET delivered = ${CORRUPT} WHERE delta_id = ? AND delivered <> ${REPLACED}`,
      )
      .run(deltaId);
  }

  /** Own deltas the server delivered corrupted, oldest first. */
  ownCorrupt(): OwnDeltaRow[] {
    return this.db
      .prepare<[], OwnDeltaRow>(
        `SELECT dseq, delta_id AS deltaId, digest, envelope FROM sync_own_deltas WHERE delivered = ${CORRUPT}
         ORDER BY dseq`,
      )
      .all();
  }

  /** Marks own deltas whose ops a later delta carries again. */
  markOwnReplaced(dseqs: readonly number[]): void {
    // A replaced envelope is never pushed again, and it may hold what an erasure removes since.
    const st = this.db.prepare(
      `UPDATE sync_own_deltas SET delivered = ${REPLACED}, envelope = X'' WHERE dseq = ?`,
    );
    withSecureDelete(this.db, () => {
      for (const d of dseqs) st.run(d);
    });
  }

  /** Acknowledged own deltas with a server seq in (after, upto] that no pull delivered. */
  ownUndelivered(after: number, upto: number): OwnDeltaRow[] {
    // A dropped envelope (compacted away) is never pushed again.
    return this.db
      .prepare<[number, number], OwnDeltaRow>(
        `SELECT dseq, delta_id AS deltaId, digest, envelope FROM sync_own_deltas
         WHERE delivered = 0 AND server_seq > ? AND server_seq <= ? AND length(envelope) > 0 ORDER BY dseq`,
      )
      .all(after, upto);
  }

  /**
   * Forgets the sealed bytes of own deltas the server compacted away (server seq <= `seq`): a
   * snapshot supersedes them and they must never be pushed again (they may hold erased data). The
   * chain position (dseq, digest) stays. Returns how many were dropped.
   */
  dropOwnEnvelopesThrough(seq: number): number {
    const st = this.db.prepare(
      `UPDATE sync_own_deltas SET envelope = X'', delivered = ${DELIVERED}
       WHERE server_seq IS NOT NULL AND server_seq <= ? AND length(envelope) > 0`,
    );
    return withSecureDelete(this.db, () => st.run(seq).changes);
  }

  /** How many acknowledged, undelivered own deltas sit beyond `seq` (the server's latest). */
  ownAckedBeyond(seq: number): number {
    return this.db
      .prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM sync_own_deltas WHERE delivered = 0 AND server_seq > ?',
      )
      .get(seq)!.n;
  }

  /** Forgets which own deltas were delivered (a re-pull from 0 learns it again). */
  resetOwnDelivery(): void {
    this.db.prepare(`UPDATE sync_own_deltas SET delivered = 0 WHERE delivered <> ${REPLACED}`).run();
  }

  // ---- what was seen of every author ----

  seen(deviceId: string, dseq: number): SeenRow | null {
    return this.seenGet.get(deviceId, dseq) ?? null;
  }

  maxSeen(deviceId: string): number {
    return this.seenMax.get(deviceId)?.m ?? 0;
  }

  addSeen(deviceId: string, dseq: number, digest: Uint8Array, prev: Uint8Array | null): void {
    this.seenAdd.run(deviceId, dseq, Buffer.from(digest), prev ? Buffer.from(prev) : null);
  }

  /** Closes a chain position a later delta of its author declared resent (never overwrites). */
  addResent(deviceId: string, dseq: number): void {
    this.seenAdd.run(deviceId, dseq, RESENT_MARKER, null);
  }

  /** Replaces a resent marker by the delta itself, which arrived after all. */
  replaceResent(deviceId: string, dseq: number, digest: Uint8Array, prev: Uint8Array | null): void {
    this.db
      .prepare(
        'UPDATE sync_chain_seen SET digest = ?, prev = ? WHERE device_id = ? AND dseq = ? AND digest = ?',
      )
      .run(Buffer.from(digest), prev ? Buffer.from(prev) : null, deviceId, dseq, RESENT_MARKER);
  }

  /** Per author, how many dseqs below the highest seen have not arrived. */
  missing(): { deviceId: string; missing: number }[] {
    return this.db
      .prepare<[], { deviceId: string; missing: number }>(
        `SELECT device_id AS deviceId, max(dseq) - count(*) AS missing FROM sync_chain_seen
         GROUP BY device_id HAVING max(dseq) > count(*) ORDER BY device_id`,
      )
      .all();
  }

  /** Per author, the highest chain position seen and its digest (what a snapshot records). */
  heads(): { deviceId: string; dseq: number; digest: Buffer }[] {
    return this.db
      .prepare<[], { deviceId: string; dseq: number; digest: Buffer }>(
        `SELECT s.device_id AS deviceId, s.dseq AS dseq, s.digest AS digest FROM sync_chain_seen s
         JOIN (SELECT device_id, max(dseq) AS m FROM sync_chain_seen GROUP BY device_id) h
           ON h.device_id = s.device_id AND h.m = s.dseq ORDER BY s.device_id`,
      )
      .all();
  }

  /**
   * Takes over an author's chain up to `dseq` from a snapshot: positions below it are closed (their
   * ops are in the snapshot) and `dseq` holds the digest its next delta links to.
   */
  seedHead(deviceId: string, dseq: number, digest: Uint8Array): void {
    for (let d = 1; d < dseq; d++) this.addResent(deviceId, d);
    this.addSeen(deviceId, dseq, digest, null);
  }

  clearSeen(): void {
    this.db.prepare('DELETE FROM sync_chain_seen').run();
  }

  // ---- findings ----

  integrity(): IntegrityRow {
    return this.db
      .prepare<[], IntegrityRow>(
        'SELECT rollback_at AS rollbackAt, gap_at AS gapAt, forks, reordered FROM sync_integrity WHERE id = 1',
      )
      .get()!;
  }

  /** Records a rollback (the first detection time is kept). */
  setRollback(at: number): void {
    this.db.prepare('UPDATE sync_integrity SET rollback_at = coalesce(rollback_at, ?) WHERE id = 1').run(at);
  }

  setGapAt(at: number | null): void {
    this.db
      .prepare(
        `UPDATE sync_integrity SET gap_at = CASE WHEN ? IS NULL THEN NULL ELSE coalesce(gap_at, ?) END WHERE id = 1`,
      )
      .run(at, at);
  }

  addFindings(forks: number, reordered: number): void {
    if (forks === 0 && reordered === 0) return;
    this.db
      .prepare('UPDATE sync_integrity SET forks = forks + ?, reordered = reordered + ? WHERE id = 1')
      .run(forks, reordered);
  }

  /** Clears every finding (a guided re-sync starts over). */
  clearFindings(): void {
    this.db
      .prepare(
        'UPDATE sync_integrity SET rollback_at = NULL, gap_at = NULL, forks = 0, reordered = 0 WHERE id = 1',
      )
      .run();
  }
}
