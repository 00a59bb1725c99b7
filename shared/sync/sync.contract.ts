import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { channel, event, type ChannelDef, type EventDef } from '../ipc/define';
import { roleSchema } from './membership';
import { syncIdSchema } from './protocol';

/**
 * The renderer-facing contract of sync (issue 6), defined ahead of the client engine. Not yet part
 * of the IPC contract: whoever builds the engine in `electron/services/sync/` spreads
 * `syncContractChannels` / `syncContractEvents` into `shared/ipc/channels/sync.channels.ts` together
 * with the handlers (the router's handler map makes a channel without a handler a compile error).
 * Times are ISO 8601 strings; ids are the protocol's base64url ids. No key, secret or server
 * credential ever crosses this boundary except the invite code, which the user must copy.
 */

const isoTime = z.string().datetime({ offset: true });

/**
 * A sync server origin: scheme, host and port only (an optional trailing slash). No path, query,
 * fragment or credentials, so nothing the renderer composes can ride along in a request's URL.
 */
export const serverUrlSchema = z
  .string()
  .trim()
  .max(300)
  .regex(
    /^https?:\/\/[A-Za-z0-9.\-[\]:]+\/?$/,
    'must be an http(s) server origin: scheme, host and port only',
  );

/**
 * `locked_out`: the server refuses this device but no verified revocation exists; data and pending
 * edits are kept, the user can export them or retry.
 */
export const syncStateSchema = z.enum([
  'not_configured',
  'offline',
  'syncing',
  'idle',
  'error',
  'locked_out',
]);
export type SyncState = z.infer<typeof syncStateSchema>;

/** What the status bar shows; also the payload of `sync.statusChanged`. */
export const syncStatusSchema = z.object({
  state: syncStateSchema,
  workspaceId: syncIdSchema.nullable(),
  /** Local ops not yet acknowledged by the server. */
  pending: z.number().int().nonnegative(),
  lastSyncAt: isoTime.nullable(),
  /**
   * While syncing: which phase and how far (total null when unknown). Initial sync is `bootstrap`;
   * `snapshot` while a snapshot is made or a new device downloads and applies one (chunk steps).
   */
  progress: z
    .object({
      phase: z.enum(['push', 'pull', 'bootstrap', 'snapshot']),
      done: z.number().int().nonnegative(),
      total: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
  /** When offline: the next automatic retry (backoff). */
  nextRetryAt: isoTime.nullable(),
  /** The last failure (state `error`, or `offline` with `SYNC_OFFLINE`). */
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).nullable(),
  /** Deltas that failed to authenticate (tampered or foreign), recorded and skipped. */
  rejectedDeltas: z.number().int().nonnegative(),
  /** Ops stamped too far ahead of the server's receive time (`CLOCK_SKEW`), held back. */
  quarantinedOps: z.number().int().nonnegative(),
  /**
   * Whether every device's chain of deltas is whole (`gap`: a delta is missing; `rollback`: the
   * server's log moved backwards). Anything but `ok` comes with a guided `sync.resync`.
   */
  integrity: z.object({
    state: z.enum(['ok', 'gap', 'rollback']),
    devices: z.array(z.object({ deviceId: syncIdSchema, missing: z.number().int().nonnegative() })),
    detectedAt: isoTime.nullable(),
  }),
  /** Ops refused since unlock because they claimed another device's identity (impersonation). */
  impersonatedOps: z.number().int().nonnegative(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

/** A member device as the verified membership log describes it (times are its signers' clocks). */
export const syncDeviceSchema = z.object({
  deviceId: syncIdSchema,
  /** The name its owner gave it when joining ("Li Wei's laptop"). */
  name: z.string(),
  role: roleSchema,
  status: z.enum(['active', 'revoked']),
  createdAt: isoTime,
  revokedAt: isoTime.nullable(),
  invitedBy: syncIdSchema.nullable(),
  invitedByName: z.string().nullable(),
  revokedBy: syncIdSchema.nullable(),
  revokedByName: z.string().nullable(),
  isThisDevice: z.boolean(),
});
export type SyncDevice = z.infer<typeof syncDeviceSchema>;

/** A CRM field value as carried by ops. */
export const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One side of a conflict on an important field (deal stage, amount, close date, owner). */
export const conflictSideSchema = z.object({
  value: fieldValueSchema,
  /** The op's hybrid logical clock, as its sortable string form. */
  hlc: z.string(),
  deviceId: syncIdSchema,
});

export const conflictSchema = z.object({
  conflictId: z.string().min(1).max(100),
  entity: z.string().min(1).max(50),
  recordId: z.string().min(1).max(100),
  field: z.string().min(1).max(100),
  /** The value LWW currently shows. */
  current: conflictSideSchema,
  /** The concurrent value that lost. */
  other: conflictSideSchema,
  detectedAt: isoTime,
});
export type Conflict = z.infer<typeof conflictSchema>;

/** Channels: spread into `syncChannels` when the engine provides their handlers. */
export const syncContractChannels = {
  'workspace.create': channel(
    z.object({
      serverUrl: serverUrlSchema,
      name: z.string().trim().min(1).max(100),
      /** How this device appears to the team ("Li Wei's laptop"); defaults to a generic name. */
      deviceName: z.string().trim().min(1).max(100).optional(),
      /** From IT, when its server only accepts approved workspaces. */
      enrolmentCode: z.string().trim().min(1).max(200).optional(),
    }),
    z.object({ workspaceId: syncIdSchema, deviceId: syncIdSchema }),
    'Creates a team workspace and its key on this device and registers the device with the server.',
  ),
  'invites.create': channel(
    z
      .object({ ttlHours: z.number().int().min(1).max(168).default(72), role: roleSchema.default('member') })
      .default({ ttlHours: 72, role: 'member' }),
    z.object({ code: z.string(), inviteId: syncIdSchema, expiresAt: isoTime }),
    'Creates a single-use invite for a role (owners and admins only); the code is shown once to copy.',
  ),
  'invites.accept': channel(
    z.object({
      code: z.string().trim().min(10).max(1000),
      deviceName: z.string().trim().min(1).max(100).optional(),
    }),
    z.object({ workspaceId: syncIdSchema, deviceId: syncIdSchema }),
    'Joins a workspace with an invite code: registers this device and receives the workspace key.',
  ),
  'sync.now': channel(z.undefined(), syncStatusSchema, 'Pushes pending ops and pulls new deltas now.'),
  'sync.status': channel(z.undefined(), syncStatusSchema, 'The current sync status.'),
  'sync.resync': channel(
    z.undefined(),
    syncStatusSchema,
    'Guided re-sync after a gap or a server rollback: re-pulls everything and re-sends what the server lost; nothing local is lost.',
  ),
  'devices.list': channel(z.undefined(), z.array(syncDeviceSchema), 'Devices of the workspace.'),
  'devices.revoke': channel(
    z.object({ deviceId: syncIdSchema }),
    syncDeviceSchema,
    'Revokes a device (admins and owners; anyone for itself) with a signed entry; it wipes itself on verifying it.',
  ),
  'sync.rotateKey': channel(
    z.undefined(),
    z.object({ epoch: z.number().int().min(1) }),
    'Replaces the workspace key with a new epoch sealed to every remaining device (owners and admins; asks the OS user first). Revoked devices get no copy.',
  ),
  'sync.snapshot': channel(
    z.undefined(),
    z.object({
      snapshotId: syncIdSchema,
      seq: z.number().int().nonnegative(),
      epoch: z.number().int().min(1),
      chunks: z.number().int().positive(),
      rows: z.number().int().nonnegative(),
    }),
    'Syncs, then uploads an encrypted snapshot of the workspace up to now, signed by this device (owners and admins): devices that join later start from it.',
  ),
  'devices.setRole': channel(
    z.object({ deviceId: syncIdSchema, role: roleSchema }),
    syncDeviceSchema,
    "Changes a member device's role with a signed entry (admins up to their own rank).",
  ),
  'conflicts.list': channel(z.undefined(), z.array(conflictSchema), 'Unresolved conflicts, newest first.'),
  'conflicts.resolve': channel(
    z.object({ conflictId: conflictSchema.shape.conflictId, keep: z.enum(['current', 'other']) }),
    z.object({ conflictId: conflictSchema.shape.conflictId }),
    'Resolves a conflict by keeping one value; the resolution is a new op and syncs like any edit.',
  ),
} satisfies Record<string, ChannelDef>;

/** Events: spread into `syncEvents` with the channels. */
export const syncContractEvents = {
  'sync.statusChanged': event(syncStatusSchema, 'Sync state, progress, pending count or last error changed.'),
} satisfies Record<string, EventDef>;
