import {
  bytesEqual,
  type AcceptOutcome,
  type AppendFailure,
  type AppendOutcome,
  type DeviceRecord,
  type InviteRecord,
  type NewDelta,
  type StorageUsage,
  type StoredDelta,
  type SyncStorage,
  type WorkspaceSummary,
} from './storage';
import { pullPageWork } from './storage.pull';
import { listWorkspacesWork, usageWork } from './storage.reports';
import {
  commitWork,
  compactedSeqWork,
  compactWork,
  latestSnapshotWork,
  putChunkWork,
  snapshotChunkWork,
  type CommitOutcome,
  type CompactOutcome,
  type SnapshotCommit,
  type SnapshotRecord,
} from './storage.snapshots';
import {
  acceptInviteWork,
  appendMembershipWork,
  insertInvite,
  membershipWork,
  revokeWork,
  type MembershipEffect,
  type MembershipOutcome,
  type StoredEntry,
} from './storage.membership';
import {
  buf,
  DELTA_COLUMNS,
  DEVICE,
  INVITE,
  insertDevice,
  LAST_SEQ,
  LAST_SEQ_EPOCH,
  RATE_WINDOW_RETENTION_MS,
  toDelta,
  toDevice,
  toInvite,
  type DeltaRow,
  type DeviceRow,
  type InviteRow,
} from './storage.rows';
import {
  count,
  placeholders,
  Rollback,
  row,
  rows,
  type SqlDialect,
  type Work,
  type WorkMode,
} from './storage.sql';

/**
 * The storage rules, once for every SQL database: single-use invites with expiry and an idempotent
 * retry by the same device, duplicate deltas and `conflict` on a reused id, revocation expiring the
 * device's unused invites, pages bounded by count and bytes, nonce replay, fixed rate windows.
 * A dialect (SQLite, PostgreSQL) only runs the statements. Appends read the workspace row under the
 * dialect's write lock, so sequence numbers are gapless and commit in order (a reader never sees
 * seq n+1 before seq n).
 */
export class SqlSyncStorage implements SyncStorage {
  readonly kind: 'sqlite' | 'postgres';

  constructor(protected readonly dialect: SqlDialect) {
    this.kind = dialect.kind;
  }

  private run<T>(mode: WorkMode, work: Work<T>): Promise<T> {
    return this.dialect.run(mode, work);
  }

  private async tx<T>(work: Work<T>): Promise<T> {
    try {
      return await this.dialect.run('tx', work);
    } catch (error) {
      if (error instanceof Rollback) return error.value as T;
      throw error;
    }
  }

  createWorkspace(
    workspaceId: string,
    device: DeviceRecord,
  ): Promise<'created' | 'exists' | 'device_exists'> {
    return this.tx(
      (function* (): Work<'created' | 'exists' | 'device_exists'> {
        const ins = yield* count(
          'INSERT INTO workspaces (workspace_id, created_at) VALUES (?, ?) ON CONFLICT (workspace_id) DO NOTHING',
          [workspaceId, device.createdAt],
        );
        if (ins !== 1) return 'exists';
        if (!(yield* insertDevice({ ...device, workspaceId }))) throw new Rollback('device_exists');
        return 'created';
      })(),
    );
  }

  async getDevice(deviceId: string): Promise<DeviceRecord | null> {
    const r = await this.run('plain', row<DeviceRow>(DEVICE, [deviceId]));
    return r ? toDevice(r) : null;
  }

  async listDevices(workspaceId: string): Promise<DeviceRecord[]> {
    const r = await this.run(
      'plain',
      rows<DeviceRow>('SELECT * FROM devices WHERE workspace_id = ? ORDER BY created_at, device_id', [
        workspaceId,
      ]),
    );
    return r.map(toDevice);
  }

  revokeDevice(workspaceId: string, deviceId: string, now: number): Promise<DeviceRecord | null> {
    return this.tx(revokeWork(workspaceId, deviceId, now));
  }

  async createInvite(i: InviteRecord): Promise<'created' | 'exists'> {
    return (await this.run('plain', insertInvite(i))) ? 'created' : 'exists';
  }

  async getInvite(inviteId: string): Promise<InviteRecord | null> {
    const r = await this.run('plain', row<InviteRow>(INVITE, [inviteId]));
    return r ? toInvite(r) : null;
  }

  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome> {
    return this.tx(acceptInviteWork(inviteId, device, now, this.dialect.lockRows));
  }

  async membership(workspaceId: string, from: number): Promise<StoredEntry[]> {
    return this.run('plain', membershipWork(workspaceId, from));
  }

  appendMembership(
    workspaceId: string,
    entry: StoredEntry,
    effect: MembershipEffect,
    now: number,
  ): Promise<MembershipOutcome> {
    return this.tx(appendMembershipWork(workspaceId, entry, effect, now, this.dialect.lockRows));
  }

  appendDeltas(
    workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure> {
    const { lockRows, notifyAppend } = this.dialect;
    return this.tx(
      (function* (): Work<AppendOutcome[] | AppendFailure> {
        const ws = yield* row<{ last_seq: number; epoch: number }>(LAST_SEQ_EPOCH + lockRows, [workspaceId]);
        if (!ws) return { kind: 'conflict', deltaId: deltas[0]?.deltaId ?? '' };
        if (deltas.length === 0) return [];
        const ids = [...new Set(deltas.map((d) => d.deltaId))];
        const found = yield* rows<DeltaRow>(
          `SELECT ${DELTA_COLUMNS} FROM deltas WHERE workspace_id = ? AND delta_id IN (${placeholders(ids.length)})`,
          [workspaceId, ...ids],
        );
        const known = new Map<string, StoredDelta>(found.map((r) => [r.delta_id, toDelta(r)]));
        const out: AppendOutcome[] = [];
        const values: (string | number | Buffer)[] = [];
        let seq = ws.last_seq;
        for (const d of deltas) {
          const old = known.get(d.deltaId);
          if (old) {
            // A retried push (same device, same bytes) is a duplicate; anything else reuses the id.
            if (old.deviceId !== deviceId || !bytesEqual(old.envelope, d.envelope)) {
              throw new Rollback<AppendFailure>({ kind: 'conflict', deltaId: d.deltaId });
            }
            out.push({ deltaId: d.deltaId, seq: old.seq, receivedAt: old.receivedAt, duplicate: true });
            continue;
          }
          if (d.epoch !== undefined && d.epoch < ws.epoch)
            throw new Rollback<AppendFailure>({ kind: 'retired_epoch', deltaId: d.deltaId, epoch: ws.epoch });
          if (d.epoch !== undefined && d.epoch > ws.epoch)
            throw new Rollback<AppendFailure>({ kind: 'unknown_epoch', deltaId: d.deltaId, epoch: ws.epoch });
          seq += 1;
          known.set(d.deltaId, { seq, deltaId: d.deltaId, deviceId, receivedAt, envelope: d.envelope });
          values.push(workspaceId, seq, d.deltaId, deviceId, receivedAt, buf(d.envelope));
          out.push({ deltaId: d.deltaId, seq, receivedAt, duplicate: false });
        }
        const appended = seq - ws.last_seq;
        if (appended > 0) {
          const tuple = `(${placeholders(6)})`;
          yield* count(
            `INSERT INTO deltas (workspace_id, seq, delta_id, device_id, received_at, envelope) VALUES ${Array.from({ length: appended }, () => tuple).join(', ')}`,
            values,
          );
          yield* count('UPDATE workspaces SET last_seq = ? WHERE workspace_id = ?', [seq, workspaceId]);
          if (notifyAppend) yield* rows(notifyAppend, [workspaceId]);
        }
        return out;
      })(),
    );
  }

  pullDeltas(workspaceId: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]> {
    return this.run(
      'plain',
      pullPageWork(workspaceId, after, limit, maxBytes, this.dialect.kind === 'postgres'),
    );
  }

  async latestSeq(workspaceId: string): Promise<number> {
    const r = await this.run('plain', row<{ last_seq: number }>(LAST_SEQ, [workspaceId]));
    return r?.last_seq ?? 0;
  }

  async consumeNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const n = await this.run(
      'bookkeeping',
      count('INSERT INTO nonces (device_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        deviceId,
        nonce,
        expiresAt,
      ]),
    );
    return n === 1;
  }

  async hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    // SET expressions all see the row as it was, so the window test is the same in both.
    const r = await this.run(
      'bookkeeping',
      row<{ window_start: number; count: number }>(
        `INSERT INTO rate_windows AS w (key, window_start, count) VALUES (?, ?, 1)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN w.window_start + ? <= ? THEN 1 ELSE w.count + 1 END,
           window_start = CASE WHEN w.window_start + ? <= ? THEN ? ELSE w.window_start END
         RETURNING window_start, count`,
        [key, now, windowMs, now, windowMs, now, now],
      ),
    );
    if (!r) throw new Error('rate window upsert returned no row');
    return { count: r.count, resetAt: r.window_start + windowMs };
  }

  purgeNonces(now: number): Promise<number> {
    return this.run(
      'bookkeeping',
      (function* (): Work<number> {
        yield* count('DELETE FROM rate_windows WHERE window_start < ?', [now - RATE_WINDOW_RETENTION_MS]);
        return yield* count('DELETE FROM nonces WHERE expires_at < ?', [now]);
      })(),
    );
  }

  listWorkspaces(): Promise<WorkspaceSummary[]> {
    return this.run('plain', listWorkspacesWork());
  }

  usage(now: number): Promise<StorageUsage> {
    return this.run('plain', usageWork(now));
  }

  // ---- snapshots (issue 12, storage.snapshots.ts) ----

  putSnapshotChunk(
    workspaceId: string,
    snapshotId: string,
    index: number,
    chunk: Uint8Array,
  ): Promise<boolean> {
    return this.tx(putChunkWork(workspaceId, snapshotId, index, buf(chunk)));
  }

  commitSnapshot(commit: SnapshotCommit): Promise<CommitOutcome> {
    return this.tx(commitWork(commit, this.dialect.lockRows));
  }

  latestSnapshot(workspaceId: string): Promise<SnapshotRecord | null> {
    return this.run('plain', latestSnapshotWork(workspaceId));
  }

  snapshotChunk(workspaceId: string, snapshotId: string, index: number): Promise<Uint8Array | null> {
    return this.run('plain', snapshotChunkWork(workspaceId, snapshotId, index));
  }

  compactLog(workspaceId: string, snapshotId: string, seq: number): Promise<CompactOutcome> {
    return this.tx(compactWork(workspaceId, snapshotId, seq, this.dialect.lockRows));
  }

  compactedSeq(workspaceId: string): Promise<number> {
    return this.run('plain', compactedSeqWork(workspaceId));
  }

  close(): Promise<void> {
    return this.dialect.close();
  }
}
