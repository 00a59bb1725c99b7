import type { Role } from '../../shared/sync/membership';
import { bytesEqual, type DeviceRecord, type InviteRecord, type StoredDelta } from './storage';
import { count, type Work } from './storage.sql';

/** Row shapes of the schema (storage.sql.ts) and their records; shared by the storage rules. */

export interface DeviceRow {
  device_id: string;
  workspace_id: string;
  sign_public_key: Buffer;
  box_public_key: Buffer;
  status: 'active' | 'revoked';
  created_at: number;
  revoked_at: number | null;
  invited_by: string | null;
  role: Role;
}
export interface InviteRow {
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
export interface DeltaRow {
  seq: number;
  delta_id: string;
  device_id: string;
  received_at: number;
  envelope: Buffer;
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    workspaceId: r.workspace_id,
    signPublicKey: new Uint8Array(r.sign_public_key),
    boxPublicKey: new Uint8Array(r.box_public_key),
    status: r.status,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    invitedBy: r.invited_by,
    role: r.role,
  };
}
export function toInvite(r: InviteRow): InviteRecord {
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
export function toDelta(r: DeltaRow): StoredDelta {
  return {
    seq: r.seq,
    deltaId: r.delta_id,
    deviceId: r.device_id,
    receivedAt: r.received_at,
    // A view of the driver's buffer, not a copy: a pull page passes each envelope through once.
    envelope: new Uint8Array(r.envelope.buffer, r.envelope.byteOffset, r.envelope.length),
  };
}
export const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);

export function sameKeys(a: DeviceRecord, b: DeviceRecord): boolean {
  return bytesEqual(a.signPublicKey, b.signPublicKey) && bytesEqual(a.boxPublicKey, b.boxPublicKey);
}

export const DEVICE = 'SELECT * FROM devices WHERE device_id = ?';
export const INVITE = 'SELECT * FROM invites WHERE invite_id = ?';
export const LAST_SEQ = 'SELECT last_seq FROM workspaces WHERE workspace_id = ?';
/** The log's top and the committed key epoch (issue 12), read together under the append lock. */
export const LAST_SEQ_EPOCH = 'SELECT last_seq, epoch FROM workspaces WHERE workspace_id = ?';
export const DELTA_COLUMNS = 'seq, delta_id, device_id, received_at, envelope';
/** Rate windows idle this long are dropped by `purgeNonces`. */
export const RATE_WINDOW_RETENTION_MS = 3_600_000;

export function* insertDevice(d: DeviceRecord): Work<boolean> {
  const n = yield* count(
    `INSERT INTO devices (device_id, workspace_id, sign_public_key, box_public_key, status, created_at, revoked_at, invited_by, role)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO NOTHING`,
    [
      d.deviceId,
      d.workspaceId,
      buf(d.signPublicKey),
      buf(d.boxPublicKey),
      d.status,
      d.createdAt,
      d.revokedAt,
      d.invitedBy,
      d.role,
    ],
  );
  return n === 1;
}
