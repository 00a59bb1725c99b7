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
import { listWorkspacesWork, usageWork } from './storage.reports';
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

interface DeviceRow {
  device_id: string;
  workspace_id: string;
  sign_public_key: Buffer;
  box_public_key: Buffer;
  status: 'active' | 'revoked';
  created_at: number;
  revoked_at: number | null;
  invited_by: string | null;
}
interface InviteRow {
  invite_id: string;
  workspace_id: string;
  created_by: string;
  wrapped_key: Buffer;
  auth_public_key: Buffer;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}
interface DeltaRow {
  seq: number;
  delta_id: string;
  device_id: string;
  received_at: number;
  envelope: Buffer;
}

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    workspaceId: r.workspace_id,
    signPublicKey: new Uint8Array(r.sign_public_key),
    boxPublicKey: new Uint8Array(r.box_public_key),
    status: r.status,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    invitedBy: r.invited_by,
  };
}
function toInvite(r: InviteRow): InviteRecord {
  return {
    inviteId: r.invite_id,
    workspaceId: r.workspace_id,
    createdBy: r.created_by,
    wrappedKey: new Uint8Array(r.wrapped_key),
    authPublicKey: new Uint8Array(r.auth_public_key),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    usedBy: r.used_by,
  };
}
function toDelta(r: DeltaRow): StoredDelta {
  return {
    seq: r.seq,
    deltaId: r.delta_id,
    deviceId: r.device_id,
    receivedAt: r.received_at,
    envelope: new Uint8Array(r.envelope),
  };
}
const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);

function sameKeys(a: DeviceRecord, b: DeviceRecord): boolean {
  return bytesEqual(a.signPublicKey, b.signPublicKey) && bytesEqual(a.boxPublicKey, b.boxPublicKey);
}

const DEVICE = 'SELECT * FROM devices WHERE device_id = ?';
const INVITE = 'SELECT * FROM invites WHERE invite_id = ?';
const LAST_SEQ = 'SELECT last_seq FROM workspaces WHERE workspace_id = ?';
const DELTA_COLUMNS = 'seq, delta_id, device_id, received_at, envelope';
/** Rate windows idle this long are dropped by `purgeNonces`. */
const RATE_WINDOW_RETENTION_MS = 3_600_000;

function* insertDevice(d: DeviceRecord): Work<boolean> {
  const n = yield* count(
    `INSERT INTO devices (device_id, workspace_id, sign_public_key, box_public_key, status, created_at, revoked_at, invited_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO NOTHING`,
    [
      d.deviceId,
      d.workspaceId,
      buf(d.signPublicKey),
      buf(d.boxPublicKey),
      d.status,
      d.createdAt,
      d.revokedAt,
      d.invitedBy,
    ],
  );
  return n === 1;
}

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
    return this.tx(
      (function* (): Work<DeviceRecord | null> {
        yield* count(
          `UPDATE devices SET status = 'revoked', revoked_at = ? WHERE device_id = ? AND workspace_id = ? AND status = 'active'`,
          [now, deviceId, workspaceId],
        );
        // A departed device must not bring anyone in through invites it made earlier.
        yield* count(
          'UPDATE invites SET expires_at = ? WHERE created_by = ? AND workspace_id = ? AND used_by IS NULL AND expires_at > ?',
          [now, deviceId, workspaceId, now],
        );
        const r = yield* row<DeviceRow>(`${DEVICE} AND workspace_id = ?`, [deviceId, workspaceId]);
        return r ? toDevice(r) : null;
      })(),
    );
  }

  async createInvite(i: InviteRecord): Promise<'created' | 'exists'> {
    const n = await this.run(
      'plain',
      count(
        `INSERT INTO invites (invite_id, workspace_id, created_by, wrapped_key, auth_public_key, created_at, expires_at, used_at, used_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT (invite_id) DO NOTHING`,
        [
          i.inviteId,
          i.workspaceId,
          i.createdBy,
          buf(i.wrappedKey),
          buf(i.authPublicKey),
          i.createdAt,
          i.expiresAt,
        ],
      ),
    );
    return n === 1 ? 'created' : 'exists';
  }

  async getInvite(inviteId: string): Promise<InviteRecord | null> {
    const r = await this.run('plain', row<InviteRow>(INVITE, [inviteId]));
    return r ? toInvite(r) : null;
  }

  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome> {
    const lock = this.dialect.lockRows;
    return this.tx(
      (function* (): Work<AcceptOutcome> {
        const r = yield* row<InviteRow>(INVITE + lock, [inviteId]);
        if (!r) return { kind: 'unknown' };
        const invite = toInvite(r);
        if (invite.usedBy !== null) {
          // The same device with the same keys is retrying after a lost response: same answer.
          const d = yield* row<DeviceRow>(DEVICE, [device.deviceId]);
          const existing = d ? toDevice(d) : null;
          if (invite.usedBy === device.deviceId && existing && sameKeys(existing, device)) {
            return { kind: 'accepted', invite, device: existing };
          }
          return { kind: 'used' };
        }
        if (invite.expiresAt <= now) return { kind: 'expired' };
        const registered: DeviceRecord = {
          ...device,
          workspaceId: invite.workspaceId,
          invitedBy: invite.createdBy,
        };
        if (!(yield* insertDevice(registered))) throw new Rollback<AcceptOutcome>({ kind: 'device_exists' });
        yield* count('UPDATE invites SET used_at = ?, used_by = ? WHERE invite_id = ?', [
          now,
          device.deviceId,
          inviteId,
        ]);
        return {
          kind: 'accepted',
          invite: { ...invite, usedAt: now, usedBy: device.deviceId },
          device: registered,
        };
      })(),
    );
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
        const ws = yield* row<{ last_seq: number }>(LAST_SEQ + lockRows, [workspaceId]);
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
      (function* (): Work<StoredDelta[]> {
        // Sizes first, so a page never reads more envelope bytes from the database than it returns.
        const sizes = yield* rows<{ seq: number; size: number }>(
          'SELECT seq, length(envelope) AS size FROM deltas WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?',
          [workspaceId, after, limit],
        );
        let n = 0;
        let bytes = 0;
        for (const s of sizes) {
          if (n > 0 && bytes + s.size > maxBytes) break;
          bytes += s.size;
          n += 1;
        }
        if (n === 0) return [];
        const page = yield* rows<DeltaRow>(
          `SELECT ${DELTA_COLUMNS} FROM deltas WHERE workspace_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
          [workspaceId, after, sizes[n - 1]!.seq],
        );
        return page.map(toDelta);
      })(),
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

  close(): Promise<void> {
    return this.dialect.close();
  }
}
