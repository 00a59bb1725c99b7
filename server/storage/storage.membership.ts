import type { Role } from '../../shared/sync/membership';
import type { AcceptOutcome, DeviceRecord, InviteRecord } from './storage';
import {
  buf,
  DEVICE,
  INVITE,
  insertDevice,
  LAST_SEQ,
  sameKeys,
  toDevice,
  toInvite,
  type DeviceRow,
  type InviteRow,
} from './storage.rows';
import { count, Rollback, row, rows, type Work } from './storage.sql';

/**
 * What a membership entry does to the server's own records, applied in the same transaction as the
 * entry is appended. The handler has already verified the entry against the log; storage only keeps
 * the log gapless (compare-and-append on `seq`) and the records in step with it.
 */
export type MembershipEffect =
  | { readonly kind: 'genesis'; readonly device: DeviceRecord }
  | { readonly kind: 'invite'; readonly invite: InviteRecord }
  | { readonly kind: 'join'; readonly inviteId: string; readonly device: DeviceRecord }
  | { readonly kind: 'role'; readonly deviceId: string; readonly role: Role }
  | { readonly kind: 'revoke'; readonly deviceId: string }
  /** A new workspace key epoch: from then on pushes sealed under an older epoch are refused. */
  | { readonly kind: 'rotate'; readonly epoch: number };

/** One entry as stored: its sequence number and its exact JSON. */
export interface StoredEntry {
  readonly seq: number;
  readonly json: string;
}

export type MembershipOutcome =
  /** Appended (or the identical entry was already there: a retry). `device` is the device it changed. */
  | { readonly kind: 'appended'; readonly device: DeviceRecord | null }
  /** Another entry took this sequence number first: re-read the log, re-sign on the new head. */
  | { readonly kind: 'stale' }
  /** The workspace (genesis) or invite id is taken. */
  | { readonly kind: 'exists' }
  | Exclude<AcceptOutcome, { readonly kind: 'accepted' }>;

/** The entries of a workspace from `from` on, ascending, as stored (JSON text). */
export function* membershipWork(workspaceId: string, from: number): Work<StoredEntry[]> {
  const found = yield* rows<{ seq: number; entry: string }>(
    'SELECT seq, entry FROM membership WHERE workspace_id = ? AND seq >= ? ORDER BY seq',
    [workspaceId, from],
  );
  return found.map((r) => ({ seq: r.seq, json: r.entry }));
}

/** Consumes an invite and registers the device, or says why not (also for `acceptInvite`). */
export function* acceptInviteWork(
  inviteId: string,
  device: DeviceRecord,
  now: number,
  lock: string,
): Work<AcceptOutcome> {
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
}

/** Marks a device revoked and expires the unused invites it made (also for `revokeDevice`). */
export function* revokeWork(workspaceId: string, deviceId: string, now: number): Work<DeviceRecord | null> {
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
}

/** Inserts an invite; false when its id is taken. */
export function* insertInvite(i: InviteRecord): Work<boolean> {
  const n = yield* count(
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
  );
  return n === 1;
}

function* deviceOf(deviceId: string): Work<DeviceRecord | null> {
  const r = yield* row<DeviceRow>(DEVICE, [deviceId]);
  return r ? toDevice(r) : null;
}

function effectDevice(effect: MembershipEffect): string | null {
  switch (effect.kind) {
    case 'genesis':
    case 'join':
      return effect.device.deviceId;
    case 'role':
    case 'revoke':
      return effect.deviceId;
    case 'invite':
    case 'rotate':
      return null;
  }
}

/** Appends one verified entry at `entry.seq` with its effect, all or nothing. */
export function* appendMembershipWork(
  workspaceId: string,
  entry: StoredEntry,
  effect: MembershipEffect,
  now: number,
  lock: string,
): Work<MembershipOutcome> {
  const target = effectDevice(effect);
  const retry = yield* row<{ entry: string }>(
    'SELECT entry FROM membership WHERE workspace_id = ? AND seq = ?',
    [workspaceId, entry.seq],
  );
  if (retry) {
    // The identical entry again is a retry after a lost answer; anything else lost the race.
    if (retry.entry !== entry.json) return { kind: 'stale' };
    return { kind: 'appended', device: target ? yield* deviceOf(target) : null };
  }
  if (effect.kind === 'genesis') {
    const ins = yield* count(
      'INSERT INTO workspaces (workspace_id, created_at) VALUES (?, ?) ON CONFLICT (workspace_id) DO NOTHING',
      [workspaceId, effect.device.createdAt],
    );
    if (ins !== 1) return { kind: 'exists' };
    const owner: DeviceRecord = { ...effect.device, workspaceId, role: 'owner' };
    if (!(yield* insertDevice(owner))) throw new Rollback<MembershipOutcome>({ kind: 'device_exists' });
  } else {
    // Lock the workspace row: appends to one log are serialised, so `seq` is compared and taken at once.
    const ws = yield* row<{ last_seq: number }>(LAST_SEQ + lock, [workspaceId]);
    const top = yield* row<{ top: number | null }>(
      'SELECT max(seq) AS top FROM membership WHERE workspace_id = ?',
      [workspaceId],
    );
    if (!ws || top?.top === null || top?.top === undefined || Number(top.top) !== entry.seq - 1)
      return { kind: 'stale' };
  }
  yield* count('INSERT INTO membership (workspace_id, seq, entry) VALUES (?, ?, ?)', [
    workspaceId,
    entry.seq,
    entry.json,
  ]);
  switch (effect.kind) {
    case 'genesis':
      break;
    case 'invite':
      if (!(yield* insertInvite(effect.invite))) throw new Rollback<MembershipOutcome>({ kind: 'exists' });
      break;
    case 'join': {
      const accepted = yield* acceptInviteWork(effect.inviteId, effect.device, now, lock);
      if (accepted.kind !== 'accepted') throw new Rollback<MembershipOutcome>(accepted);
      break;
    }
    case 'role':
      yield* count('UPDATE devices SET role = ? WHERE device_id = ? AND workspace_id = ?', [
        effect.role,
        effect.deviceId,
        workspaceId,
      ]);
      break;
    case 'revoke':
      yield* revokeWork(workspaceId, effect.deviceId, now);
      break;
    case 'rotate':
      // Committed with the entry: a push that arrives after this commit under an older key is refused.
      yield* count('UPDATE workspaces SET epoch = ? WHERE workspace_id = ? AND epoch < ?', [
        effect.epoch,
        workspaceId,
        effect.epoch,
      ]);
      // Open invites carry the retired key (the verified log voids them too).
      yield* count(
        'UPDATE invites SET expires_at = ? WHERE workspace_id = ? AND used_by IS NULL AND expires_at > ?',
        [now, workspaceId, now],
      );
      break;
  }
  return { kind: 'appended', device: target ? yield* deviceOf(target) : null };
}
