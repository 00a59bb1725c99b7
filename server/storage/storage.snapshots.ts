import { createHash } from 'node:crypto';
import { count, row, type Work } from './storage.sql';

/**
 * Snapshot storage (issue 12 item 2, schema v5): sealed chunks as opaque bytes and one committed
 * snapshot per workspace, described by the manifest its maker signed. The server checks what it can
 * without a key (every chunk present with the digest the manifest names, the range within the log,
 * the current epoch); devices check everything again.
 */

/** The committed snapshot of a workspace. */
export interface SnapshotRecord {
  readonly workspaceId: string;
  readonly snapshotId: string;
  readonly deviceId: string;
  readonly epoch: number;
  readonly seq: number;
  readonly chunkCount: number;
  /** The exact signed JSON text and its signature (base64url). */
  readonly manifest: string;
  readonly signature: string;
  readonly createdAt: number;
}

/** What a commit names, already read from a manifest whose signature the handler verified. */
export interface SnapshotCommit extends Omit<SnapshotRecord, 'chunkCount'> {
  /** base64url SHA-256 of each sealed chunk, in order. */
  readonly digests: readonly string[];
}

export type CommitOutcome =
  | { readonly kind: 'committed' }
  /** A chunk is missing or holds other bytes than the manifest names. */
  | { readonly kind: 'chunks'; readonly index: number }
  /** The manifest covers seqs the log does not have. */
  | { readonly kind: 'beyond_log'; readonly latestSeq: number }
  /** The manifest's epoch is not the workspace's current one. */
  | { readonly kind: 'epoch'; readonly epoch: number }
  /** A snapshot covering more of the log is already committed. */
  | { readonly kind: 'older'; readonly seq: number }
  | { readonly kind: 'unknown_workspace' };

interface SnapshotRow {
  workspace_id: string;
  snapshot_id: string;
  device_id: string;
  epoch: number;
  seq: number;
  chunk_count: number;
  manifest: string;
  signature: string;
  created_at: number;
}

const toSnapshot = (r: SnapshotRow): SnapshotRecord => ({
  workspaceId: r.workspace_id,
  snapshotId: r.snapshot_id,
  deviceId: r.device_id,
  epoch: r.epoch,
  seq: r.seq,
  chunkCount: r.chunk_count,
  manifest: r.manifest,
  signature: r.signature,
  createdAt: r.created_at,
});

const LATEST = 'SELECT * FROM snapshots WHERE workspace_id = ?';

/** Stores one chunk of an uncommitted snapshot; false when that snapshot is already committed. */
export function* putChunkWork(
  workspaceId: string,
  snapshotId: string,
  index: number,
  chunk: Buffer,
): Work<boolean> {
  const current = yield* row<SnapshotRow>(LATEST, [workspaceId]);
  if (current?.snapshot_id === snapshotId) return false;
  yield* count(
    `INSERT INTO snapshot_chunks (workspace_id, snapshot_id, idx, chunk) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, snapshot_id, idx) DO UPDATE SET chunk = excluded.chunk`,
    [workspaceId, snapshotId, index, chunk],
  );
  return true;
}

/**
 * Commits a snapshot whose chunks are all stored with the digests its manifest names, replacing the
 * workspace's previous one (whose chunks, and those of every abandoned upload, are deleted).
 */
export function* commitWork(c: SnapshotCommit, lockRows: string): Work<CommitOutcome> {
  const ws = yield* row<{ last_seq: number; epoch: number }>(
    `SELECT last_seq, epoch FROM workspaces WHERE workspace_id = ?${lockRows}`,
    [c.workspaceId],
  );
  if (!ws) return { kind: 'unknown_workspace' };
  if (c.seq > ws.last_seq) return { kind: 'beyond_log', latestSeq: ws.last_seq };
  if (c.epoch !== ws.epoch) return { kind: 'epoch', epoch: ws.epoch };
  const current = yield* row<SnapshotRow>(LATEST, [c.workspaceId]);
  if (current && current.seq > c.seq) return { kind: 'older', seq: current.seq };
  for (let index = 0; index < c.digests.length; index++) {
    const chunk = yield* row<{ chunk: Buffer }>(
      'SELECT chunk FROM snapshot_chunks WHERE workspace_id = ? AND snapshot_id = ? AND idx = ?',
      [c.workspaceId, c.snapshotId, index],
    );
    if (!chunk || createHash('sha256').update(chunk.chunk).digest('base64url') !== c.digests[index])
      return { kind: 'chunks', index };
  }
  yield* count('DELETE FROM snapshot_chunks WHERE workspace_id = ? AND (snapshot_id <> ? OR idx >= ?)', [
    c.workspaceId,
    c.snapshotId,
    c.digests.length,
  ]);
  yield* count(
    `INSERT INTO snapshots (workspace_id, snapshot_id, device_id, epoch, seq, chunk_count, manifest, signature, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET snapshot_id = excluded.snapshot_id,
       device_id = excluded.device_id, epoch = excluded.epoch, seq = excluded.seq,
       chunk_count = excluded.chunk_count, manifest = excluded.manifest,
       signature = excluded.signature, created_at = excluded.created_at`,
    [
      c.workspaceId,
      c.snapshotId,
      c.deviceId,
      c.epoch,
      c.seq,
      c.digests.length,
      c.manifest,
      c.signature,
      c.createdAt,
    ],
  );
  return { kind: 'committed' };
}

export function* latestSnapshotWork(workspaceId: string): Work<SnapshotRecord | null> {
  const r = yield* row<SnapshotRow>(LATEST, [workspaceId]);
  return r ? toSnapshot(r) : null;
}

/** A chunk of the workspace's committed snapshot (null for any other snapshot id or index). */
export function* snapshotChunkWork(
  workspaceId: string,
  snapshotId: string,
  index: number,
): Work<Buffer | null> {
  const r = yield* row<{ chunk: Buffer }>(
    `SELECT c.chunk FROM snapshot_chunks c JOIN snapshots s
       ON s.workspace_id = c.workspace_id AND s.snapshot_id = c.snapshot_id
     WHERE c.workspace_id = ? AND c.snapshot_id = ? AND c.idx = ?`,
    [workspaceId, snapshotId, index],
  );
  return r?.chunk ?? null;
}

/** What a compaction did, or why it deleted nothing. */
export type CompactOutcome =
  | { readonly kind: 'compacted'; readonly deleted: number; readonly compactedSeq: number }
  /** The statement names another snapshot than the committed one (or there is none). */
  | { readonly kind: 'not_committed_snapshot' }
  /** The statement reaches past the seq the committed snapshot covers. */
  | { readonly kind: 'beyond_snapshot'; readonly snapshotSeq: number }
  | { readonly kind: 'unknown_workspace' };

/**
 * Deletes the deltas with seq <= `seq` once the committed snapshot is `snapshotId` and covers `seq`
 * (checked under the workspace row's lock, so no commit slips in between); otherwise deletes
 * nothing. Records the compacted seq so a pull starting below it can be told to bootstrap.
 */
export function* compactWork(
  workspaceId: string,
  snapshotId: string,
  seq: number,
  lockRows: string,
): Work<CompactOutcome> {
  const ws = yield* row<{ compacted_seq: number }>(
    `SELECT compacted_seq FROM workspaces WHERE workspace_id = ?${lockRows}`,
    [workspaceId],
  );
  if (!ws) return { kind: 'unknown_workspace' };
  const current = yield* row<SnapshotRow>(LATEST, [workspaceId]);
  if (!current || current.snapshot_id !== snapshotId) return { kind: 'not_committed_snapshot' };
  if (seq > Number(current.seq)) return { kind: 'beyond_snapshot', snapshotSeq: Number(current.seq) };
  const deleted = yield* count('DELETE FROM deltas WHERE workspace_id = ? AND seq <= ?', [workspaceId, seq]);
  const compactedSeq = Math.max(Number(ws.compacted_seq), seq);
  yield* count('UPDATE workspaces SET compacted_seq = ? WHERE workspace_id = ?', [compactedSeq, workspaceId]);
  return { kind: 'compacted', deleted, compactedSeq };
}

/** The seq up to which the workspace's deltas were compacted away (0: none). */
export function* compactedSeqWork(workspaceId: string): Work<number> {
  const r = yield* row<{ compacted_seq: number }>(
    'SELECT compacted_seq FROM workspaces WHERE workspace_id = ?',
    [workspaceId],
  );
  return Number(r?.compacted_seq ?? 0);
}
