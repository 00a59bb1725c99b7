import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
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

/** Append-only list of schema migrations; `PRAGMA user_version` records how many ran. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE workspaces (
     workspace_id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE devices (
     device_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     sign_public_key BLOB NOT NULL,
     box_public_key BLOB NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
     created_at INTEGER NOT NULL,
     revoked_at INTEGER,
     invited_by TEXT
   );
   CREATE INDEX devices_by_workspace ON devices (workspace_id);
   CREATE TABLE invites (
     invite_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     created_by TEXT NOT NULL,
     wrapped_key BLOB NOT NULL,
     auth_public_key BLOB NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER,
     used_by TEXT
   );
   CREATE TABLE deltas (
     workspace_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     delta_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     envelope BLOB NOT NULL,
     PRIMARY KEY (workspace_id, seq),
     UNIQUE (workspace_id, delta_id)
   );
   CREATE TABLE nonces (
     device_id TEXT NOT NULL,
     nonce TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, nonce)
   ) WITHOUT ROWID;
   CREATE INDEX nonces_by_expiry ON nonces (expires_at);`,
  `CREATE TABLE rate_windows (
     key TEXT PRIMARY KEY,
     window_start INTEGER NOT NULL,
     count INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX rate_windows_by_start ON rate_windows (window_start);`,
];

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

/**
 * The default storage: one SQLite file (plain better-sqlite3: it holds only ciphertext, public keys
 * and ids). WAL with `synchronous=FULL` so an acknowledged push survives a crash or power loss.
 */
export class SqliteSyncStorage implements SyncStorage {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  private readonly statements = new Map<string, Database.Statement>();
  /**
   * A second connection with `synchronous=NORMAL` for per-request bookkeeping (nonces, rate
   * windows): no fsync per request. A power cut may forget the last nonces (a replay window of a
   * few minutes after a crash) but never an acknowledged delta, whose commit on the FULL
   * connection also syncs everything written before it.
   */
  private readonly fast: Database.Database;
  private readonly fastStatements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, fast: Database.Database) {
    this.db = db;
    this.fast = fast;
  }

  private f(sql: string): Database.Statement {
    let stmt = this.fastStatements.get(sql);
    if (!stmt) {
      stmt = this.fast.prepare(sql);
      this.fastStatements.set(sql, stmt);
    }
    return stmt;
  }

  /** Prepared statements are compiled once per storage: the hot paths (push, pull, nonce) reuse them. */
  private q(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Opens (creating if needed) `file` and brings its schema up to date. */
  static open(file: string): SqliteSyncStorage {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < SQLITE_MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(SQLITE_MIGRATIONS[v]!);
        db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
    const fast = new Database(file);
    fast.pragma('synchronous = NORMAL');
    fast.pragma('busy_timeout = 5000');
    return new SqliteSyncStorage(db, fast);
  }

  createWorkspace(
    workspaceId: string,
    device: DeviceRecord,
  ): Promise<'created' | 'exists' | 'device_exists'> {
    const run = this.db.transaction((): 'created' | 'exists' | 'device_exists' => {
      const ins = this.q('INSERT OR IGNORE INTO workspaces (workspace_id, created_at) VALUES (?, ?)').run(
        workspaceId,
        device.createdAt,
      );
      if (ins.changes === 0) return 'exists';
      if (!this.insertDevice({ ...device, workspaceId })) throw new DeviceExists();
      return 'created';
    });
    try {
      return Promise.resolve(run.immediate());
    } catch (error) {
      if (error instanceof DeviceExists) return Promise.resolve('device_exists');
      return Promise.reject(error instanceof Error ? error : new Error('storage failure'));
    }
  }

  private insertDevice(d: DeviceRecord): boolean {
    const r = this.q(
      `INSERT OR IGNORE INTO devices (device_id, workspace_id, sign_public_key, box_public_key, status, created_at, revoked_at, invited_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      d.deviceId,
      d.workspaceId,
      buf(d.signPublicKey),
      buf(d.boxPublicKey),
      d.status,
      d.createdAt,
      d.revokedAt,
      d.invitedBy,
    );
    return r.changes === 1;
  }

  getDevice(deviceId: string): Promise<DeviceRecord | null> {
    const row = this.q('SELECT * FROM devices WHERE device_id = ?').get(deviceId) as DeviceRow | undefined;
    return Promise.resolve(row ? toDevice(row) : null);
  }

  listDevices(workspaceId: string): Promise<DeviceRecord[]> {
    const rows = this.q('SELECT * FROM devices WHERE workspace_id = ? ORDER BY created_at, device_id').all(
      workspaceId,
    ) as DeviceRow[];
    return Promise.resolve(rows.map(toDevice));
  }

  revokeDevice(workspaceId: string, deviceId: string, now: number): Promise<DeviceRecord | null> {
    const run = this.db.transaction(() => {
      this.q(
        `UPDATE devices SET status = 'revoked', revoked_at = ? WHERE device_id = ? AND workspace_id = ? AND status = 'active'`,
      ).run(now, deviceId, workspaceId);
      // A departed device must not bring anyone in through invites it made earlier.
      this.q(
        'UPDATE invites SET expires_at = MIN(expires_at, ?) WHERE created_by = ? AND workspace_id = ? AND used_by IS NULL',
      ).run(now, deviceId, workspaceId);
      const row = this.q('SELECT * FROM devices WHERE device_id = ? AND workspace_id = ?').get(
        deviceId,
        workspaceId,
      ) as DeviceRow | undefined;
      return row ? toDevice(row) : null;
    });
    return Promise.resolve(run.immediate());
  }

  createInvite(i: InviteRecord): Promise<'created' | 'exists'> {
    const r = this.q(
      `INSERT OR IGNORE INTO invites (invite_id, workspace_id, created_by, wrapped_key, auth_public_key, created_at, expires_at, used_at, used_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
    ).run(
      i.inviteId,
      i.workspaceId,
      i.createdBy,
      buf(i.wrappedKey),
      buf(i.authPublicKey),
      i.createdAt,
      i.expiresAt,
    );
    return Promise.resolve(r.changes === 1 ? 'created' : 'exists');
  }

  getInvite(inviteId: string): Promise<InviteRecord | null> {
    const row = this.q('SELECT * FROM invites WHERE invite_id = ?').get(inviteId) as InviteRow | undefined;
    return Promise.resolve(row ? toInvite(row) : null);
  }

  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome> {
    const run = this.db.transaction((): AcceptOutcome => {
      const row = this.q('SELECT * FROM invites WHERE invite_id = ?').get(inviteId) as InviteRow | undefined;
      if (!row) return { kind: 'unknown' };
      const invite = toInvite(row);
      if (invite.usedBy !== null) {
        const existing = this.q('SELECT * FROM devices WHERE device_id = ?').get(device.deviceId) as
          DeviceRow | undefined;
        if (invite.usedBy === device.deviceId && existing && sameKeys(toDevice(existing), device)) {
          return { kind: 'accepted', invite, device: toDevice(existing) };
        }
        return { kind: 'used' };
      }
      if (invite.expiresAt <= now) return { kind: 'expired' };
      const registered: DeviceRecord = {
        ...device,
        workspaceId: invite.workspaceId,
        invitedBy: invite.createdBy,
      };
      if (!this.insertDevice(registered)) return { kind: 'device_exists' };
      this.q('UPDATE invites SET used_at = ?, used_by = ? WHERE invite_id = ?').run(
        now,
        device.deviceId,
        inviteId,
      );
      return {
        kind: 'accepted',
        invite: { ...invite, usedAt: now, usedBy: device.deviceId },
        device: registered,
      };
    });
    return Promise.resolve(run.immediate());
  }

  appendDeltas(
    workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure> {
    const run = this.db.transaction((): AppendOutcome[] | AppendFailure => {
      const ws = this.q('SELECT last_seq FROM workspaces WHERE workspace_id = ?').get(workspaceId) as
        { last_seq: number } | undefined;
      if (!ws) return { kind: 'conflict', deltaId: deltas[0]?.deltaId ?? '' };
      let seq = ws.last_seq;
      const find = this.q(
        'SELECT seq, delta_id, device_id, received_at, envelope FROM deltas WHERE workspace_id = ? AND delta_id = ?',
      );
      const insert = this.q(
        'INSERT INTO deltas (workspace_id, seq, delta_id, device_id, received_at, envelope) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const out: AppendOutcome[] = [];
      for (const d of deltas) {
        const existing = find.get(workspaceId, d.deltaId) as DeltaRow | undefined;
        if (existing) {
          if (existing.device_id !== deviceId || !bytesEqual(existing.envelope, d.envelope)) {
            throw new AppendConflict(d.deltaId);
          }
          out.push({
            deltaId: d.deltaId,
            seq: existing.seq,
            receivedAt: existing.received_at,
            duplicate: true,
          });
          continue;
        }
        seq += 1;
        insert.run(workspaceId, seq, d.deltaId, deviceId, receivedAt, buf(d.envelope));
        out.push({ deltaId: d.deltaId, seq, receivedAt, duplicate: false });
      }
      if (seq !== ws.last_seq) {
        this.q('UPDATE workspaces SET last_seq = ? WHERE workspace_id = ?').run(seq, workspaceId);
      }
      return out;
    });
    try {
      return Promise.resolve(run.immediate());
    } catch (error) {
      if (error instanceof AppendConflict)
        return Promise.resolve({ kind: 'conflict', deltaId: error.deltaId });
      return Promise.reject(error instanceof Error ? error : new Error('storage failure'));
    }
  }

  pullDeltas(workspaceId: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]> {
    const out: StoredDelta[] = [];
    let bytes = 0;
    const rows = this.q(
      'SELECT seq, delta_id, device_id, received_at, envelope FROM deltas WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).iterate(workspaceId, after, limit) as IterableIterator<DeltaRow>;
    for (const row of rows) {
      if (out.length > 0 && bytes + row.envelope.length > maxBytes) break;
      bytes += row.envelope.length;
      out.push(toDelta(row));
    }
    return Promise.resolve(out);
  }

  latestSeq(workspaceId: string): Promise<number> {
    const row = this.q('SELECT last_seq FROM workspaces WHERE workspace_id = ?').get(workspaceId) as
      { last_seq: number } | undefined;
    return Promise.resolve(row?.last_seq ?? 0);
  }

  consumeNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const r = this.f('INSERT OR IGNORE INTO nonces (device_id, nonce, expires_at) VALUES (?, ?, ?)').run(
      deviceId,
      nonce,
      expiresAt,
    );
    return Promise.resolve(r.changes === 1);
  }

  hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    // SET expressions all see the row as it was, so the window test is the same in both.
    const row = this.f(
      `INSERT INTO rate_windows (key, window_start, count) VALUES (@key, @now, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN window_start + @window <= @now THEN 1 ELSE count + 1 END,
         window_start = CASE WHEN window_start + @window <= @now THEN @now ELSE window_start END
       RETURNING window_start, count`,
    ).get({ key, now, window: windowMs }) as { window_start: number; count: number };
    return Promise.resolve({ count: row.count, resetAt: row.window_start + windowMs });
  }

  purgeNonces(now: number): Promise<number> {
    this.f('DELETE FROM rate_windows WHERE window_start < ?').run(now - 3_600_000);
    return Promise.resolve(this.f('DELETE FROM nonces WHERE expires_at < ?').run(now).changes);
  }

  close(): Promise<void> {
    if (this.fast.open) this.fast.close();
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

class DeviceExists extends Error {}
class AppendConflict extends Error {
  constructor(readonly deltaId: string) {
    super('delta id conflict');
  }
}

export function sameKeys(a: DeviceRecord, b: DeviceRecord): boolean {
  return bytesEqual(a.signPublicKey, b.signPublicKey) && bytesEqual(a.boxPublicKey, b.boxPublicKey);
}
