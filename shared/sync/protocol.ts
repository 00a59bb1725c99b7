import { z } from 'zod';
import { membershipEntrySchema, roleSchema } from './membership';

/**
 * The sync server's HTTP API (version 1): the schemas of its requests and responses. Which route
 * takes which is the route table, `syncRoutes` in `routes.ts`. Every binary field is unpadded
 * base64url. Every request except `GET /health` is signed (see `signing.ts`); errors are
 * `{error: {code, message}}` with an `ErrorCode` from `shared/errors.ts`.
 */

/** Client-chosen ids (workspace, device, invite, delta): 16-64 base64url characters. */
export const syncIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'invalid id');
const b64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'invalid base64url');
/** A 32-byte public key in base64url (43 characters). */
export const publicKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'invalid public key');
/** Server sequence numbers and cursors: 0 means "before the first delta". */
export const cursorSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Limits the server enforces (defaults; a server may be configured lower). */
export const SYNC_LIMITS = {
  /** Whole request body. */
  maxBodyBytes: 8 * 1024 * 1024,
  /** One sealed delta. */
  maxEnvelopeBytes: 4 * 1024 * 1024,
  /** Deltas per push request. */
  maxDeltasPerPush: 100,
  /**
   * Deltas per pull page (the `limit` query parameter is clamped to this). Pages are capped by bytes
   * (`maxPageBytes`); this only bounds the sequence range one page reads, so a log of small deltas
   * (one op each) comes in a few large pages, not hundreds of signed requests (issue 17). Clients
   * loop on `hasMore` / `nextCursor` whatever the size of a page.
   */
  maxPageSize: 10_000,
  defaultPageSize: 100,
  /**
   * Envelope bytes per pull page: a page stops before the delta that would take it past this (always
   * at least one delta, so a page is at most max(this, one envelope)). With the server's memory per
   * concurrent pull about twice this, it bounds RSS by page size x concurrency.
   */
  maxPageBytes: 1024 * 1024,
  /** Longest long-poll wait. */
  maxWaitMs: 30_000,
  /** Longest invite lifetime. */
  maxInviteTtlMs: 7 * 24 * 3600_000,
} as const;

export const deviceRegistrationSchema = z.object({
  deviceId: syncIdSchema,
  signPublicKey: publicKeySchema,
  boxPublicKey: publicKeySchema,
});
export type DeviceRegistration = z.infer<typeof deviceRegistrationSchema>;

export const deviceStatusSchema = z.enum(['active', 'revoked']);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const deviceInfoSchema = deviceRegistrationSchema.extend({
  workspaceId: syncIdSchema,
  status: deviceStatusSchema,
  /** ms since epoch (server clock). */
  createdAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  /** The device that invited this one; null for the workspace's first device. */
  invitedBy: syncIdSchema.nullable(),
  /** As the membership log decides it (the server mirrors it to enforce roles; clients verify the log). */
  role: roleSchema,
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

/**
 * Header carrying the enrolment code IT gives out when its server only lets approved workspaces be
 * created (`--enrolment-token-file`). A bearer secret: sent over TLS only, never logged.
 */
export const ENROLMENT_HEADER = 'x-fv-enrolment';

/** `POST /v1/workspaces`, signed by the new device's own key (proof of possession). */
export const createWorkspaceRequestSchema = z.object({
  workspaceId: syncIdSchema,
  device: deviceRegistrationSchema,
  /** The membership log's first entry, signed by this device (it becomes the owner). */
  genesis: membershipEntrySchema,
});
export const createWorkspaceResponseSchema = z.object({
  workspaceId: syncIdSchema,
  device: deviceInfoSchema,
});

/** `POST /v1/workspaces/:workspaceId/invites`. */
export const createInviteRequestSchema = z.object({
  inviteId: syncIdSchema,
  /** `wrapWorkspaceKey(...)` output (77 bytes). */
  wrappedKey: b64url.min(1).max(200),
  /** `deriveInviteAuthKey(secret, inviteId).publicKey`. */
  authPublicKey: publicKeySchema,
  /** ms since epoch; at most `SYNC_LIMITS.maxInviteTtlMs` ahead of the server clock. */
  expiresAt: z.number().int().positive(),
  /** The signed `invite` entry (same invite id and auth key) appended to the membership log. */
  entry: membershipEntrySchema,
});
export const createInviteResponseSchema = z.object({
  inviteId: syncIdSchema,
  workspaceId: syncIdSchema,
  expiresAt: z.number().int(),
});

/** `POST /v1/invites/:inviteId/accept`, signed by the joining device's own key. */
export const acceptInviteRequestSchema = z.object({
  device: deviceRegistrationSchema,
  /** `signInviteAcceptance(deriveInviteAuthKey(secret, inviteId).secretKey, {inviteId, ...device})`. */
  proof: b64url.length(86),
  /** The `join` entry the device signed for itself on the log `previewInvite` returned. */
  entry: membershipEntrySchema,
});

/**
 * `POST /v1/invites/:inviteId/preview`, signed by the joining device's own key, with the same proof
 * as the acceptance: the workspace's membership log, so the joiner can verify it against the genesis
 * hash in its invite code and sign its join entry on the head. Changes nothing.
 */
export const previewInviteRequestSchema = z.object({
  device: deviceRegistrationSchema,
  proof: b64url.length(86),
});
export const membershipLogResponseSchema = z.object({
  workspaceId: syncIdSchema,
  /** Entries with `seq >= from`, ascending. */
  entries: z.array(membershipEntrySchema),
});

/** `GET /v1/workspaces/:workspaceId/membership?from=<seq>`: also answered to revoked devices (they verify their revocation). */
export const membershipQuerySchema = z.object({
  from: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
});

/** `POST /v1/workspaces/:workspaceId/membership`: a signed `role` or `revoke` entry by the calling device. */
export const appendMembershipRequestSchema = z.object({ entry: membershipEntrySchema });
export const appendMembershipResponseSchema = z.object({
  seq: cursorSchema,
  /** The device the entry changed. */
  device: deviceInfoSchema,
});
export const acceptInviteResponseSchema = z.object({
  workspaceId: syncIdSchema,
  wrappedKey: b64url,
  device: deviceInfoSchema,
});

/** `GET /v1/workspaces/:workspaceId/devices`. */
export const listDevicesResponseSchema = z.object({ devices: z.array(deviceInfoSchema) });

/** `POST /v1/workspaces/:workspaceId/deltas`. */
export const pushRequestSchema = z.object({
  deltas: z
    .array(
      z.object({
        deltaId: syncIdSchema,
        /** `sealDelta(...)` output, bound to (workspaceId, pushing deviceId, deltaId). */
        envelope: b64url.min(1),
      }),
    )
    .min(1)
    .max(SYNC_LIMITS.maxDeltasPerPush),
});
export const pushResultSchema = z.object({
  deltaId: syncIdSchema,
  seq: cursorSchema,
  receivedAt: z.number().int(),
  /** True when this delta id was already stored (a retried push): nothing was appended. */
  duplicate: z.boolean(),
});
export const pushResponseSchema = z.object({
  results: z.array(pushResultSchema),
  latestSeq: cursorSchema,
});

/** `GET /v1/workspaces/:workspaceId/deltas?after=<cursor>&limit=<n>`. */
export const pullQuerySchema = z.object({
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().positive().default(SYNC_LIMITS.defaultPageSize),
});
export const pulledDeltaSchema = z.object({
  seq: cursorSchema,
  deltaId: syncIdSchema,
  /** The pushing device, as authenticated by the server; open the envelope with it. */
  deviceId: syncIdSchema,
  /** Server receive time, ms since epoch: the client's drift guard compares op clocks to this. */
  receivedAt: z.number().int(),
  /**
   * base64url, checked strictly where the delta is opened (on the database worker): one envelope
   * that is not is rejected on its own while the rest of the page applies, instead of failing the
   * page, and main no longer runs a regex over every page it pulls.
   */
  envelope: z.string().max(Math.ceil((SYNC_LIMITS.maxEnvelopeBytes * 4) / 3)),
});
export type PulledDelta = z.infer<typeof pulledDeltaSchema>;
export const pullResponseSchema = z.object({
  deltas: z.array(pulledDeltaSchema),
  /** Pass as `after` for the next page (equals `after` when the page is empty). */
  nextCursor: cursorSchema,
  /** True when more deltas exist after `nextCursor` right now. */
  hasMore: z.boolean(),
  latestSeq: cursorSchema,
});

/** `GET /v1/workspaces/:workspaceId/wait?after=<cursor>&timeoutMs=<n>`: long-poll. */
export const waitQuerySchema = z.object({
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  timeoutMs: z.coerce.number().int().nonnegative().max(SYNC_LIMITS.maxWaitMs).default(25_000),
});
/** Returns as soon as `latestSeq > after`, or when the wait times out (`changed: false`). */
export const waitResponseSchema = z.object({ latestSeq: cursorSchema, changed: z.boolean() });

/** `GET /v1/workspaces/:workspaceId/me`: the calling device (a cheap revocation check). */
export const meResponseSchema = z.object({ device: deviceInfoSchema, latestSeq: cursorSchema });

/** `GET /health` (unsigned). */
export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  storage: z.enum(['sqlite', 'postgres']),
  time: z.number().int(),
});

/** Every error response body. */
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
