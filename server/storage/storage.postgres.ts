import pg from 'pg';
import {
  bytesEqual,
  type AcceptOutcome,
  type AppendFailure,
  type AppendOutcome,
  type DeviceRecord,
  type InviteRecord,
  type NewDelta,
  type StoredDelta,
  type SyncStorage,
} from './storage';

/** Append-only schema migrations, recorded in `fv_schema`; applied under an advisory lock so instances may start together. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE workspaces (
     workspace_id TEXT PRIMARY KEY,
     created_at BIGINT NOT NULL,
     last_seq BIGINT NOT NULL DEFAULT 0
   );
   CREATE TABLE devices (
     device_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     sign_public_key BYTEA NOT NULL,
     box_public_key BYTEA NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
     created_at BIGINT NOT NULL,
     revoked_at BIGINT,
     invited_by TEXT
   );
   CREATE INDEX devices_by_workspace ON devices (workspace_id);
   CREATE TABLE invites (
     invite_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     created_by TEXT NOT NULL,
     wrapped_key BYTEA NOT NULL,
     auth_public_key BYTEA NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     used_at BIGINT,
     used_by TEXT
   );
   CREATE TABLE deltas (
     workspace_id TEXT NOT NULL,
     seq BIGINT NOT NULL,
     delta_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     received_at BIGINT NOT NULL,
     envelope BYTEA NOT NULL,
     PRIMARY KEY (workspace_id, seq),
     UNIQUE (workspace_id, delta_id)
   );
   CREATE TABLE nonces (
     device_id TEXT NOT NULL,
     nonce TEXT NOT NULL,
     expires_at BIGINT NOT NULL,
     PRIMARY KEY (device_id, nonce)
   );
   CREATE INDEX nonces_by_expiry ON nonces (expires_at);`,
  `CREATE TABLE rate_windows (
     key TEXT PRIMARY KEY,
     window_start BIGINT NOT NULL,
     count INTEGER NOT NULL
   );
   CREATE INDEX rate_windows_by_start ON rate_windows (window_start);`,
];
const MIGRATION_LOCK = 0x46565359; // "FVSY"
const NOTIFY_CHANNEL = 'fv_deltas';

interface DeviceRow {
  device_id: string;
  workspace_id: string;
  sign_public_key: Buffer;
  box_public_key: Buffer;
  status: 'active' | 'revoked';
  created_at: string;
  revoked_at: string | null;
  invited_by: string | null;
}
interface InviteRow {
  invite_id: string;
  workspace_id: string;
  created_by: string;
  wrapped_key: Buffer;
  auth_public_key: Buffer;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
}
interface DeltaRow {
  seq: string;
  delta_id: string;
  device_id: string;
  received_at: string;
  envelope: Buffer;
}

// BIGINT arrives as a string from pg; every value here is < 2^53 (ms timestamps, sequence numbers).
const num = (v: string) => Number(v);
const numOrNull = (v: string | null) => (v === null ? null : Number(v));
const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    workspaceId: r.workspace_id,
    signPublicKey: new Uint8Array(r.sign_public_key),
    boxPublicKey: new Uint8Array(r.box_public_key),
    status: r.status,
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
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
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    usedAt: numOrNull(r.used_at),
    usedBy: r.used_by,
  };
}
function toDelta(r: DeltaRow): StoredDelta {
  return {
    seq: num(r.seq),
    deltaId: r.delta_id,
    deviceId: r.device_id,
    receivedAt: num(r.received_at),
    envelope: new Uint8Array(r.envelope),
  };
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

function sameKeys(a: DeviceRecord, b: DeviceRecord): boolean {
  return bytesEqual(a.signPublicKey, b.signPublicKey) && bytesEqual(a.boxPublicKey, b.boxPublicKey);
}

/**
 * PostgreSQL storage for high availability and scale-out: several server instances share one
 * database. Appends lock the workspace row, so sequence numbers are gapless and commit in order (a
 * reader never sees seq n+1 before seq n).
 */
export class PostgresSyncStorage implements SyncStorage {
  readonly kind = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
  ) {}

  /** Connects and brings the schema up to date. */
  static async connect(
    connectionString: string,
    options: { maxConnections?: number } = {},
  ): Promise<PostgresSyncStorage> {
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
    // An idle client losing its connection (database restart) must not crash the server.
    pool.on('error', () => undefined);
    const storage = new PostgresSyncStorage(pool, connectionString);
    try {
      await storage.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return storage;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS fv_schema (version INTEGER NOT NULL)');
        const r = await client.query<{ version: number }>('SELECT version FROM fv_schema');
        let version = r.rows[0]?.version ?? 0;
        if (r.rows.length === 0) await client.query('INSERT INTO fv_schema (version) VALUES (0)');
        for (; version < POSTGRES_MIGRATIONS.length; version++) {
          await client.query('BEGIN');
          try {
            await client.query(POSTGRES_MIGRATIONS[version]!);
            await client.query('UPDATE fv_schema SET version = $1', [version + 1]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** Runs `fn` in a transaction; a thrown `Rollback` rolls back and returns its value. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const value = await fn(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK');
        if (error instanceof Rollback) return error.value as T;
        throw error;
      }
    } finally {
      client.release();
    }
  }

  private static async insertDevice(c: pg.PoolClient, d: DeviceRecord): Promise<boolean> {
    const r = await c.query(
      `INSERT INTO devices (device_id, workspace_id, sign_public_key, box_public_key, status, created_at, revoked_at, invited_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (device_id) DO NOTHING`,
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
    return r.rowCount === 1;
  }

  createWorkspace(
    workspaceId: string,
    device: DeviceRecord,
  ): Promise<'created' | 'exists' | 'device_exists'> {
    return this.tx(async (c) => {
      const ins = await c.query(
        'INSERT INTO workspaces (workspace_id, created_at) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING',
        [workspaceId, device.createdAt],
      );
      if (ins.rowCount !== 1) return 'exists';
      if (!(await PostgresSyncStorage.insertDevice(c, { ...device, workspaceId }))) {
        throw new Rollback<'device_exists'>('device_exists');
      }
      return 'created';
    });
  }

  async getDevice(deviceId: string): Promise<DeviceRecord | null> {
    const r = await this.pool.query<DeviceRow>('SELECT * FROM devices WHERE device_id = $1', [deviceId]);
    return r.rows[0] ? toDevice(r.rows[0]) : null;
  }

  async listDevices(workspaceId: string): Promise<DeviceRecord[]> {
    const r = await this.pool.query<DeviceRow>(
      'SELECT * FROM devices WHERE workspace_id = $1 ORDER BY created_at, device_id',
      [workspaceId],
    );
    return r.rows.map(toDevice);
  }

  revokeDevice(workspaceId: string, deviceId: string, now: number): Promise<DeviceRecord | null> {
    return this.tx(async (c) => {
      await c.query(
        `UPDATE devices SET status = 'revoked', revoked_at = $1 WHERE device_id = $2 AND workspace_id = $3 AND status = 'active'`,
        [now, deviceId, workspaceId],
      );
      // A departed device must not bring anyone in through invites it made earlier.
      await c.query(
        'UPDATE invites SET expires_at = LEAST(expires_at, $1) WHERE created_by = $2 AND workspace_id = $3 AND used_by IS NULL',
        [now, deviceId, workspaceId],
      );
      const r = await c.query<DeviceRow>('SELECT * FROM devices WHERE device_id = $1 AND workspace_id = $2', [
        deviceId,
        workspaceId,
      ]);
      return r.rows[0] ? toDevice(r.rows[0]) : null;
    });
  }

  async createInvite(i: InviteRecord): Promise<'created' | 'exists'> {
    const r = await this.pool.query(
      `INSERT INTO invites (invite_id, workspace_id, created_by, wrapped_key, auth_public_key, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (invite_id) DO NOTHING`,
      [
        i.inviteId,
        i.workspaceId,
        i.createdBy,
        buf(i.wrappedKey),
        buf(i.authPublicKey),
        i.createdAt,
        i.expiresAt,
      ],
    );
    return r.rowCount === 1 ? 'created' : 'exists';
  }

  async getInvite(inviteId: string): Promise<InviteRecord | null> {
    const r = await this.pool.query<InviteRow>('SELECT * FROM invites WHERE invite_id = $1', [inviteId]);
    return r.rows[0] ? toInvite(r.rows[0]) : null;
  }

  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome> {
    return this.tx(async (c): Promise<AcceptOutcome> => {
      const r = await c.query<InviteRow>('SELECT * FROM invites WHERE invite_id = $1 FOR UPDATE', [inviteId]);
      if (!r.rows[0]) return { kind: 'unknown' };
      const invite = toInvite(r.rows[0]);
      if (invite.usedBy !== null) {
        const d = await c.query<DeviceRow>('SELECT * FROM devices WHERE device_id = $1', [device.deviceId]);
        const existing = d.rows[0] ? toDevice(d.rows[0]) : null;
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
      if (!(await PostgresSyncStorage.insertDevice(c, registered)))
        throw new Rollback<AcceptOutcome>({ kind: 'device_exists' });
      await c.query('UPDATE invites SET used_at = $1, used_by = $2 WHERE invite_id = $3', [
        now,
        device.deviceId,
        inviteId,
      ]);
      return {
        kind: 'accepted',
        invite: { ...invite, usedAt: now, usedBy: device.deviceId },
        device: registered,
      };
    });
  }

  appendDeltas(
    workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure> {
    return this.tx(async (c): Promise<AppendOutcome[] | AppendFailure> => {
      // The row lock serialises appends per workspace: gapless sequence numbers, committed in order.
      const ws = await c.query<{ last_seq: string }>(
        'SELECT last_seq FROM workspaces WHERE workspace_id = $1 FOR UPDATE',
        [workspaceId],
      );
      if (!ws.rows[0])
        throw new Rollback<AppendFailure>({ kind: 'conflict', deltaId: deltas[0]?.deltaId ?? '' });
      const start = num(ws.rows[0].last_seq);
      const found = await c.query<DeltaRow>(
        'SELECT seq, delta_id, device_id, received_at, envelope FROM deltas WHERE workspace_id = $1 AND delta_id = ANY($2::text[])',
        [workspaceId, deltas.map((d) => d.deltaId)],
      );
      const existing = new Map(found.rows.map((r) => [r.delta_id, r]));
      const fresh = new Map<string, { seq: number; envelope: Uint8Array }>();
      const out: AppendOutcome[] = [];
      const values: unknown[] = [];
      const rows: string[] = [];
      let seq = start;
      for (const d of deltas) {
        const old = existing.get(d.deltaId);
        const earlier = fresh.get(d.deltaId);
        if (old) {
          if (old.device_id !== deviceId || !bytesEqual(old.envelope, d.envelope)) {
            throw new Rollback<AppendFailure>({ kind: 'conflict', deltaId: d.deltaId });
          }
          out.push({
            deltaId: d.deltaId,
            seq: num(old.seq),
            receivedAt: num(old.received_at),
            duplicate: true,
          });
        } else if (earlier) {
          if (!bytesEqual(earlier.envelope, d.envelope))
            throw new Rollback<AppendFailure>({ kind: 'conflict', deltaId: d.deltaId });
          out.push({ deltaId: d.deltaId, seq: earlier.seq, receivedAt, duplicate: true });
        } else {
          seq += 1;
          fresh.set(d.deltaId, { seq, envelope: d.envelope });
          const p = values.length;
          rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`);
          values.push(workspaceId, seq, d.deltaId, deviceId, receivedAt, buf(d.envelope));
          out.push({ deltaId: d.deltaId, seq, receivedAt, duplicate: false });
        }
      }
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO deltas (workspace_id, seq, delta_id, device_id, received_at, envelope) VALUES ${rows.join(', ')}`,
          values,
        );
        await c.query('UPDATE workspaces SET last_seq = $1 WHERE workspace_id = $2', [seq, workspaceId]);
        // Delivered on commit only: listeners never see an append that rolled back.
        await c.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, workspaceId]);
      }
      return out;
    });
  }

  async pullDeltas(
    workspaceId: string,
    after: number,
    limit: number,
    maxBytes: number,
  ): Promise<StoredDelta[]> {
    // Sizes first, so a page never transfers more envelope bytes from the database than it returns.
    const sizes = await this.pool.query<{ seq: string; size: number }>(
      'SELECT seq, length(envelope) AS size FROM deltas WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [workspaceId, after, limit],
    );
    let count = 0;
    let bytes = 0;
    for (const row of sizes.rows) {
      if (count > 0 && bytes + row.size > maxBytes) break;
      bytes += row.size;
      count += 1;
    }
    if (count === 0) return [];
    const r = await this.pool.query<DeltaRow>(
      `SELECT seq, delta_id, device_id, received_at, envelope FROM deltas
       WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
      [workspaceId, after, sizes.rows[count - 1]!.seq],
    );
    return r.rows.map(toDelta);
  }

  async latestSeq(workspaceId: string): Promise<number> {
    const r = await this.pool.query<{ last_seq: string }>(
      'SELECT last_seq FROM workspaces WHERE workspace_id = $1',
      [workspaceId],
    );
    return r.rows[0] ? num(r.rows[0].last_seq) : 0;
  }

  async consumeNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const r = await this.pool.query(
      'INSERT INTO nonces (device_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [deviceId, nonce, expiresAt],
    );
    return r.rowCount === 1;
  }

  async hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    // SET expressions all see the row as it was, so the window test is the same in both.
    const r = await this.pool.query<{ window_start: string; count: number }>(
      `INSERT INTO rate_windows AS w (key, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN w.window_start + $3 <= $2 THEN 1 ELSE w.count + 1 END,
         window_start = CASE WHEN w.window_start + $3 <= $2 THEN $2 ELSE w.window_start END
       RETURNING window_start, count`,
      [key, now, windowMs],
    );
    const row = r.rows[0]!;
    return { count: row.count, resetAt: num(row.window_start) + windowMs };
  }

  async purgeNonces(now: number): Promise<number> {
    await this.pool.query('DELETE FROM rate_windows WHERE window_start < $1', [now - 3_600_000]);
    const r = await this.pool.query('DELETE FROM nonces WHERE expires_at < $1', [now]);
    return r.rowCount ?? 0;
  }

  /**
   * LISTEN on a dedicated connection. If it drops, it reconnects after a second; meanwhile the
   * server's periodic storage check still wakes waiters, only later.
   */
  async watch(onAppend: (workspaceId: string) => void): Promise<() => Promise<void>> {
    let closed = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.connectionString });
      c.on('notification', (msg) => {
        if (msg.channel === NOTIFY_CHANNEL && msg.payload) onAppend(msg.payload);
      });
      c.on('error', () => {
        void c.end().catch(() => undefined);
        if (client === c) client = undefined;
        if (!closed) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
      });
      await c.connect();
      await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
    };
    await connect();
    return async () => {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end();
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
