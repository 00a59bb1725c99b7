import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { framed, fromBase64Url, toBase64Url, utf8 } from './encoding';
import { epochWrapSchema, sealedKeySchema } from './epoch';

/**
 * The entries of a workspace's signed membership log: their schema, canonical bytes, hash and
 * signature. The rules that decide which entry may follow which are in `membership.ts`.
 */

/** Roles, strongest first. Owners and admins manage members; viewers only read. */
export const roleSchema = z.enum(['owner', 'admin', 'member', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

const idSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const keySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const nameSchema = z.string().trim().min(1).max(100);

/** A device's public identity as the log records it. */
export const memberDeviceSchema = z.strictObject({
  deviceId: idSchema,
  /** The HLC device id this device's ops carry (its CRM clock id): unique in the workspace, compared exactly. */
  clockId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  signPublicKey: keySchema,
  boxPublicKey: keySchema,
  /** Who the device belongs to, as people read it ("Li Wei's laptop"). */
  name: nameSchema,
});
export type MemberDevice = z.infer<typeof memberDeviceSchema>;

export const membershipBodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('genesis'), device: memberDeviceSchema }),
  /** An admin lets whoever holds the invite secret (proved with `authPublicKey`) join with `role`. */
  z.strictObject({
    kind: z.literal('invite'),
    inviteId: idSchema,
    authPublicKey: keySchema,
    role: roleSchema,
  }),
  /**
   * Signed by the joining device itself; `proof` is `signInviteAcceptance` by the invite's auth key
   * over the invite id and this device's id and keys, so only the secret's holder can use the invite.
   */
  z.strictObject({
    kind: z.literal('join'),
    inviteId: idSchema,
    device: memberDeviceSchema,
    proof: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
  }),
  z.strictObject({ kind: z.literal('role'), deviceId: idSchema, role: roleSchema }),
  z.strictObject({ kind: z.literal('revoke'), deviceId: idSchema }),
  /**
   * Workspace key `epoch` (issue 12), made by an owner or admin: sealed to every active device
   * (`wraps`, exactly one each, none for a revoked device), committed to by `commitment`
   * (`epochCommitment`), with the previous epoch's key sealed under it (`previous`) and, when IT
   * policy names an escrow key, sealed to that too (`escrow`). See `shared/sync/epoch.ts`.
   */
  z.strictObject({
    kind: z.literal('rotate'),
    epoch: z
      .number()
      .int()
      .min(2)
      .max(2 ** 31),
    commitment: keySchema,
    previous: z.string().regex(/^[A-Za-z0-9_-]{96}$/),
    wraps: z.array(epochWrapSchema).min(1).max(10_000),
    escrow: sealedKeySchema.optional(),
  }),
]);
export type MembershipBody = z.infer<typeof membershipBodySchema>;

/** One statement of the log, as stored and shipped (the signature covers everything else). */
export const membershipEntrySchema = z.strictObject({
  v: z.literal(1),
  workspaceId: idSchema,
  seq: z.number().int().min(0),
  /** base64url SHA-256 of the previous entry's signed bytes; null for the genesis entry. */
  prev: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/)
    .nullable(),
  /** The signing device. */
  author: idSchema,
  /** The author's clock (ms): shown to people, never trusted for ordering. */
  at: z.number().int().min(0),
  body: membershipBodySchema,
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type MembershipEntry = z.infer<typeof membershipEntrySchema>;

/** Why a log was refused (stable words: shown as counts and codes, never with keys). */
export type MembershipFault =
  | 'malformed'
  | 'bad_genesis'
  | 'genesis_mismatch'
  | 'wrong_workspace'
  | 'bad_sequence'
  | 'broken_chain'
  | 'unknown_author'
  | 'revoked_author'
  | 'bad_signature'
  | 'not_authorised'
  | 'duplicate_device'
  | 'unknown_device'
  | 'last_owner'
  | 'unknown_invite'
  | 'bad_proof'
  | 'bad_epoch'
  | 'bad_wraps';

export class MembershipError extends Error {
  override readonly name = 'MembershipError';
  constructor(
    readonly fault: MembershipFault,
    /** The entry the fault is in. */
    readonly seq: number,
  ) {
    super(`The membership log is not valid at entry ${seq}: ${fault}`);
  }
}

const DOMAIN = utf8('FV-MEMBERSHIP-1');

/** Deterministic JSON: object keys sorted, no spaces (what is hashed and signed). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The bytes an entry's signature covers: a domain tag and the canonical entry without its signature. */
export function signedBytes(entry: Omit<MembershipEntry, 'signature'>): Uint8Array {
  const { v, workspaceId, seq, prev, author, at, body } = entry;
  return framed(DOMAIN, utf8(canonicalJson({ v, workspaceId, seq, prev, author, at, body })));
}

/** The hash that links an entry into the chain (and pins the genesis). */
export function entryHash(entry: MembershipEntry): string {
  return toBase64Url(sha256(signedBytes(entry)));
}

/** Signs a new entry with the author's Ed25519 secret key (the caller zeroes it). */
export function signEntry(
  unsigned: Omit<MembershipEntry, 'signature'>,
  signSecretKey: Uint8Array,
): MembershipEntry {
  const signature = toBase64Url(ed25519.sign(signedBytes(unsigned), signSecretKey));
  return { ...unsigned, signature };
}

/** True when `entry` carries `publicKey`'s valid signature. */
export function verifySignature(entry: MembershipEntry, publicKey: string): boolean {
  try {
    return ed25519.verify(fromBase64Url(entry.signature), signedBytes(entry), fromBase64Url(publicKey));
  } catch {
    return false;
  }
}
