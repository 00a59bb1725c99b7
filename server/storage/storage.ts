import type { Role } from '../../shared/sync/membership';
import type { DeviceStatus } from '../../shared/sync/protocol';
import type { MembershipEffect, MembershipOutcome, StoredEntry } from './storage.membership';
import type { CommitOutcome, CompactOutcome, SnapshotCommit, SnapshotRecord } from './storage.snapshots';

/** A registered device. Public keys only: the server never holds a private key. */
export interface DeviceRecord {
  readonly deviceId: string;
  readonly workspaceId: string;
  readonly signPublicKey: Uint8Array;
  readonly boxPublicKey: Uint8Array;
  readonly status: DeviceStatus;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  readonly invitedBy: string | null;
  /** Mirrors the verified membership log, so the server can enforce roles without re-verifying it. */
  readonly role: Role;
}

/** An invite: the workspace key wrapped under a key the server cannot derive (the secret stays with clients). */
export interface InviteRecord {
  readonly inviteId: string;
  readonly workspaceId: string;
  readonly createdBy: string;
  readonly wrappedKey: Uint8Array;
  /** Public half of the secret-derived Ed25519 key; the joiner proves knowledge of the secret with it. */
  readonly authPublicKey: Uint8Array;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly usedBy: string | null;
}

/** One entry of a workspace's append-only log. */
export interface StoredDelta {
  readonly seq: number;
  readonly deltaId: string;
  readonly deviceId: string;
  readonly receivedAt: number;
  readonly envelope: Uint8Array;
}

export interface NewDelta {
  readonly deltaId: string;
  readonly envelope: Uint8Array;
  /**
   * The workspace key epoch the envelope's header names (the handler reads it; every envelope a
   * client can open has one). A new delta under an epoch older than the committed one is refused.
   */
  readonly epoch?: number;
}

export interface AppendOutcome {
  readonly deltaId: string;
  readonly seq: number;
  readonly receivedAt: number;
  /** The delta id was already in the log (same device, same bytes): nothing appended. */
  readonly duplicate: boolean;
}

export type AcceptOutcome =
  | { readonly kind: 'accepted'; readonly invite: InviteRecord; readonly device: DeviceRecord }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'used' }
  | { readonly kind: 'device_exists' };

export type AppendFailure =
  | { readonly kind: 'conflict'; readonly deltaId: string }
  /** A new delta is sealed under an epoch older than the workspace's committed one (issue 12). */
  | { readonly kind: 'retired_epoch'; readonly deltaId: string; readonly epoch: number }
  /** A new delta names an epoch no committed rotation made (no member can hold its key). */
  | { readonly kind: 'unknown_epoch'; readonly deltaId: string; readonly epoch: number };

/** One workspace as the operator sees it: counts and sizes, never content. */
export interface WorkspaceSummary {
  readonly workspaceId: string;
  readonly createdAt: number;
  readonly devices: number;
  readonly activeDevices: number;
  /** Deltas in its log (= its latest sequence number). */
  readonly deltas: number;
  /** Envelope bytes of those deltas. */
  readonly bytes: number;
}

/** Totals over the whole storage. */
export interface StorageUsage {
  readonly workspaces: number;
  readonly devices: number;
  readonly activeDevices: number;
  readonly revokedDevices: number;
  readonly deltas: number;
  readonly bytes: number;
  /** Invites neither used nor expired at the time asked. */
  readonly openInvites: number;
}

/**
 * Everything the sync server keeps. All state lives here (never in a server process), so any number
 * of server instances can share one storage. One implementation of the rules (`SqlSyncStorage`,
 * storage.rules.ts) over two SQL dialects: a SQLite file and PostgreSQL. Every method is atomic.
 */
export interface SyncStorage {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the workspace with its first device. `exists` when the workspace id is taken, `device_exists` when the device id is. */
  createWorkspace(workspaceId: string, device: DeviceRecord): Promise<'created' | 'exists' | 'device_exists'>;
  getDevice(deviceId: string): Promise<DeviceRecord | null>;
  listDevices(workspaceId: string): Promise<DeviceRecord[]>;
  /**
   * Marks the device revoked (idempotent) and expires the unused invites it created, so a departed
   * device cannot bring anyone in later; null when it is not in that workspace.
   */
  revokeDevice(workspaceId: string, deviceId: string, now: number): Promise<DeviceRecord | null>;
  /** The membership log of a workspace from `from` on (the exact signed JSON of each entry). */
  membership(workspaceId: string, from: number): Promise<StoredEntry[]>;
  /**
   * Appends one membership entry (already verified by the caller against the log) at exactly
   * `entry.seq` together with what it does to devices and invites, all or nothing; `stale` when the
   * log has moved on. How workspaces are created, invites made and used, roles changed and devices
   * revoked by the server.
   */
  appendMembership(
    workspaceId: string,
    entry: StoredEntry,
    effect: MembershipEffect,
    now: number,
  ): Promise<MembershipOutcome>;
  /** `exists` when the invite id is taken. */
  createInvite(invite: InviteRecord): Promise<'created' | 'exists'>;
  getInvite(inviteId: string): Promise<InviteRecord | null>;
  /**
   * Consumes the invite and registers the device in its workspace, all or nothing. The same device
   * accepting the same invite again gets `accepted` again (a retry after a lost response).
   */
  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome>;
  /**
   * Appends deltas in order with the next sequence numbers, all or nothing. A delta id already in the
   * log with the same device and bytes is reported as duplicate; with other bytes or another device
   * the whole push fails with `conflict`. A new delta whose `epoch` is below the workspace's
   * committed epoch fails the whole push with `retired_epoch`, one above it with `unknown_epoch` (duplicates are still answered as such,
   * so a delta that landed before the rotation is acknowledged, not resealed).
   */
  appendDeltas(
    workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure>;
  /** Deltas with seq > after, ascending, at most `limit`, stopping once `maxBytes` of envelopes are in (at least one). */
  pullDeltas(workspaceId: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]>;
  /** The highest sequence number of the workspace (0 when empty or unknown). */
  latestSeq(workspaceId: string): Promise<number>;
  /** Records a request nonce; false when it was already seen (a replay). */
  consumeNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean>;
  /**
   * Optional: calls `onAppend(workspaceId)` when any instance appends to a workspace, so long-polls
   * wake at once across instances (PostgreSQL LISTEN/NOTIFY). Without it, waiters poll storage.
   * Resolves to an unsubscribe function.
   */
  watch?(onAppend: (workspaceId: string) => void): Promise<() => Promise<void>>;
  /**
   * Counts one request for `key` in a fixed window of `windowMs` starting at its first request;
   * shared by all instances, so a rate limit holds however many serve. Returns the count in the
   * current window and when it ends.
   */
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }>;
  /** Drops nonces whose expiry has passed (and rate windows idle for an hour); returns the nonces dropped. */
  purgeNonces(now: number): Promise<number>;
  /** Every workspace with its device and delta counts and bytes, oldest first (the admin CLI). */
  listWorkspaces(): Promise<WorkspaceSummary[]>;
  /** Totals for the admin CLI; `now` decides which invites are still open. */
  usage(now: number): Promise<StorageUsage>;
  /** Stores one sealed chunk of an uncommitted snapshot (issue 12); false when that snapshot is committed. */
  putSnapshotChunk(
    workspaceId: string,
    snapshotId: string,
    index: number,
    chunk: Uint8Array,
  ): Promise<boolean>;
  /** Commits a snapshot whose chunks match its manifest and replaces the previous one, all or nothing. */
  commitSnapshot(commit: SnapshotCommit): Promise<CommitOutcome>;
  /** The committed snapshot of a workspace, or null. */
  latestSnapshot(workspaceId: string): Promise<SnapshotRecord | null>;
  /** One chunk of the committed snapshot; null for any other snapshot or index. */
  snapshotChunk(workspaceId: string, snapshotId: string, index: number): Promise<Uint8Array | null>;
  /**
   * Deletes the deltas with seq <= `seq` when `snapshotId` is the committed snapshot and covers
   * `seq` (issue 12 item 3); otherwise deletes nothing. Verifying who asked is the caller's job.
   */
  compactLog(workspaceId: string, snapshotId: string, seq: number): Promise<CompactOutcome>;
  /** The seq up to which deltas were compacted away (0: none). */
  compactedSeq(workspaceId: string): Promise<number>;
  close(): Promise<void>;
}

/** Byte-wise equality (constant time is not needed: both sides are stored ciphertext or public keys). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}
