import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { policyKeySchema } from '../policy/policy.schema';
import { roleSchema } from '../sync/membership.entry';

/**
 * The closed list of security events the audit log records. Adding one is a contract change: the
 * chain encodes the type by name, so a name is never reused for another meaning.
 */
export const auditEventTypeSchema = z.enum([
  'vault.setup',
  'vault.unlock',
  'vault.lock',
  'vault.backup',
  'vault.restore',
  'vault.rekey',
  'recovery.used',
  'recovery.renewed',
  'data.export',
  'data.import',
  'privacy.erase',
  'device.joined',
  'device.invited',
  'device.revoked',
  'device.roleChanged',
  'policy.changed',
  'audit.exported',
  'audit.keyCreated',
  'audit.chainBroken',
  'workspace.keyRotated',
  'unlocker.changed',
  'backup.deleted',
]);
export type AuditEventType = z.infer<typeof auditEventTypeSchema>;

/** `ok`; `denied` when the OS check or IT's policy refused; `failed` for any other error. */
export const auditOutcomeSchema = z.enum(['ok', 'denied', 'failed']);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** Who acted: this device's user, or a workspace member (device id) when another device did it. */
export const auditActorSchema = z.union([
  z.strictObject({ kind: z.literal('this-device') }),
  z.strictObject({ kind: z.literal('member'), deviceId: deviceIdSchema }),
]);
export type AuditActor = z.infer<typeof auditActorSchema>;

/** How a chain breaks, at its first broken place. */
export const auditBreakKindSchema = z.enum([
  /** An entry's content no longer matches its own hash (edited in place). */
  'edited',
  /** An entry is intact but does not follow the one before it (inserted, deleted or reordered). */
  'unlinked',
  /** A sequence number is missing or out of order. */
  'gap',
  /** A checkpoint's signature does not verify with this vault's audit key. */
  'checkpoint-signature',
  /** A signed checkpoint names a head hash the stored chain does not have at that sequence. */
  'checkpoint-mismatch',
  /** The chain ends before a signed checkpoint or the keychain's anchor (its tail was cut). */
  'truncated',
  /** The keychain's anchor names a head the stored chain does not have (rewritten or replaced log). */
  'anchor-mismatch',
]);
export type AuditBreakKind = z.infer<typeof auditBreakKindSchema>;

/**
 * Small typed facts about an event. Strict: nothing outside this list can be stored, and nothing in
 * it can hold a customer field value, a key, a recovery code or a token (only codes, counts, enums
 * and device ids).
 */
export const auditDetailsSchema = z.strictObject({
  errorCode: z.enum(ERROR_CODES).optional(),
  lockReason: z
    .enum(['user', 'timeout', 'quit', 'restore', 'revoked', 'suspend', 'lock-screen', 'lease-expired'])
    .optional(),
  exportKind: z.enum(['csv', 'vcard', 'ics', 'person', 'audit-jsonl', 'audit-cef']).optional(),
  entity: z.enum(['account', 'contact', 'deal', 'activity', 'task', 'person']).optional(),
  count: z.number().int().nonnegative().max(100_000_000).optional(),
  deviceId: deviceIdSchema.optional(),
  role: roleSchema.optional(),
  managedKeys: z.array(policyKeySchema).max(64).optional(),
  restricted: z.boolean().optional(),
  /** A restore or a recovery rewound the log: the last anchored sequence before it. */
  rewoundFromSeq: z.number().int().nonnegative().optional(),
  /** `audit.chainBroken`: where the check at unlock found the first break. */
  breakKind: auditBreakKindSchema.optional(),
  breakSeq: z.number().int().nonnegative().optional(),
  /** When the event happened while the vault was locked: appended at the next unlock. */
  queued: z.literal(true).optional(),
});
export type AuditDetails = z.infer<typeof auditDetailsSchema>;

/** What a service hands to `AuditSink.record`; sequence, time and hashes are the log's. */
export const auditEventInputSchema = z.strictObject({
  type: auditEventTypeSchema,
  outcome: auditOutcomeSchema,
  actor: auditActorSchema.default({ kind: 'this-device' }),
  details: auditDetailsSchema.default({}),
  /** Milliseconds; the log stamps it when absent (queued events keep the time they happened). */
  time: z.number().int().nonnegative().optional(),
});
export type AuditEventInput = z.input<typeof auditEventInputSchema>;

/** One stored event as the renderer and the exports see it. */
export const auditEventSchema = z.strictObject({
  seq: z.number().int().positive(),
  time: z.number().int().nonnegative(),
  type: auditEventTypeSchema,
  actor: auditActorSchema,
  outcome: auditOutcomeSchema,
  details: auditDetailsSchema,
  /** Hex SHA-256 of the previous hash and this entry's canonical encoding. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditListInputSchema = z
  .strictObject({
    types: z.array(auditEventTypeSchema).max(32).optional(),
    outcome: auditOutcomeSchema.optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    /** Newest first; `before` is the smallest seq of the previous page. */
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });

export const auditListOutputSchema = z.object({
  events: z.array(auditEventSchema),
  /** The seq to pass as `before` for the next page; null on the last page. */
  nextBefore: z.number().int().positive().nullable(),
  total: z.number().int().nonnegative(),
});
export type AuditListOutput = z.infer<typeof auditListOutputSchema>;

export const auditVerifyOutputSchema = z.object({
  status: z.enum(['intact', 'broken']),
  events: z.number().int().nonnegative(),
  checkpoints: z.number().int().nonnegative(),
  /** The highest sequence covered by a verified signed checkpoint (0: none yet). */
  signedThrough: z.number().int().nonnegative(),
  firstBreak: z.object({ seq: z.number().int().nonnegative(), kind: auditBreakKindSchema }).nullable(),
  verifiedAt: z.number().int().nonnegative(),
});
export type AuditVerifyOutput = z.infer<typeof auditVerifyOutputSchema>;

export const auditExportInputSchema = z.strictObject({
  format: z.enum(['jsonl', 'cef']),
  types: auditListInputSchema.unwrap().shape.types,
  outcome: auditListInputSchema.unwrap().shape.outcome,
  from: auditListInputSchema.unwrap().shape.from,
  to: auditListInputSchema.unwrap().shape.to,
});
export type AuditExportInput = z.infer<typeof auditExportInputSchema>;

export const auditExportOutputSchema = z.object({
  filename: z.string(),
  mimeType: z.string(),
  content: z.string(),
  count: z.number().int().nonnegative(),
});
