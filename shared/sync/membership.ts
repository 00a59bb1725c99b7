import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { framed, fromBase64Url, toBase64Url, utf8 } from './encoding';

/**
 * The signed membership log of a workspace (issue 11, first part): an append-only chain of
 * statements, each signed by the device that made it, starting from a genesis entry the owner's
 * device signs itself. Every client verifies the whole chain against the genesis hash it pinned
 * when it created or joined the workspace, so neither the server nor a member can invent, drop,
 * reorder or alter a join, a role change or a revocation. Pure functions: no I/O, no clock.
 */

/** Roles, strongest first. Owners and admins manage members; viewers only read. */
export const roleSchema = z.enum(['owner', 'admin', 'member', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

const idSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const keySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const nameSchema = z.string().trim().min(1).max(100);

/** A device's public identity as the log records it. */
export const memberDeviceSchema = z.strictObject({
  deviceId: idSchema,
  signPublicKey: keySchema,
  boxPublicKey: keySchema,
  /** Who the device belongs to, as people read it ("Li Wei's laptop"). */
  name: nameSchema,
});
export type MemberDevice = z.infer<typeof memberDeviceSchema>;

export const membershipBodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('genesis'), device: memberDeviceSchema }),
  z.strictObject({ kind: z.literal('join'), device: memberDeviceSchema, role: roleSchema }),
  z.strictObject({ kind: z.literal('role'), deviceId: idSchema, role: roleSchema }),
  z.strictObject({ kind: z.literal('revoke'), deviceId: idSchema }),
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
  | 'last_owner';

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

/** A member device as the verified log leaves it. */
export interface Member {
  readonly device: MemberDevice;
  readonly role: Role;
  readonly status: 'active' | 'revoked';
  readonly invitedBy: string | null;
  readonly revokedBy: string | null;
  readonly joinedSeq: number;
}

/** The state a verified log describes. */
export interface MembershipState {
  readonly workspaceId: string;
  readonly members: ReadonlyMap<string, Member>;
  /** Hash of the newest entry: the next entry's `prev`. */
  readonly head: string;
  readonly seq: number;
  readonly genesisHash: string;
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

function verifySignature(entry: MembershipEntry, publicKey: string): boolean {
  try {
    return ed25519.verify(fromBase64Url(entry.signature), signedBytes(entry), fromBase64Url(publicKey));
  } catch {
    return false;
  }
}

function activeOwners(members: ReadonlyMap<string, Member>): number {
  let n = 0;
  for (const m of members.values()) if (m.status === 'active' && m.role === 'owner') n++;
  return n;
}

/**
 * Whether `author` may make `body` happen to the current members: owners and admins manage
 * members, nobody acts above their own rank (an admin cannot add, promote, demote or revoke an
 * owner), any device may revoke itself, and the last active owner can be neither demoted nor revoked.
 */
export function authorise(
  members: ReadonlyMap<string, Member>,
  author: Member,
  body: MembershipBody,
): MembershipFault | null {
  const manages = author.role === 'owner' || author.role === 'admin';
  switch (body.kind) {
    case 'genesis':
      return 'bad_genesis';
    case 'join':
      if (members.has(body.device.deviceId)) return 'duplicate_device';
      return manages && RANK[body.role] <= RANK[author.role] ? null : 'not_authorised';
    case 'role': {
      const target = members.get(body.deviceId);
      if (!target || target.status !== 'active') return 'unknown_device';
      if (!manages || RANK[target.role] > RANK[author.role] || RANK[body.role] > RANK[author.role])
        return 'not_authorised';
      if (target.role === 'owner' && body.role !== 'owner' && activeOwners(members) === 1)
        return 'last_owner';
      return null;
    }
    case 'revoke': {
      const target = members.get(body.deviceId);
      if (!target || target.status !== 'active') return 'unknown_device';
      const self = body.deviceId === author.device.deviceId;
      if (!self && (!manages || RANK[target.role] > RANK[author.role])) return 'not_authorised';
      if (target.role === 'owner' && activeOwners(members) === 1) return 'last_owner';
      return null;
    }
  }
}

/**
 * Verifies a whole log from its genesis and returns the state it describes. `pin` is what this
 * device trusts: the workspace id and the genesis hash it recorded at creation or join (an invite
 * code carries the hash). Throws `MembershipError` at the first entry that is malformed, out of
 * sequence, not linked to its predecessor, not signed by an active member's key, or not authorised.
 */
export function verifyMembershipLog(
  entries: readonly unknown[],
  pin: { readonly workspaceId: string; readonly genesisHash: string | null },
): MembershipState {
  const members = new Map<string, Member>();
  let head = '';
  let genesisHash = '';
  entries.forEach((raw, index) => {
    const parsed = membershipEntrySchema.safeParse(raw);
    if (!parsed.success) throw new MembershipError('malformed', index);
    const entry = parsed.data;
    if (entry.seq !== index) throw new MembershipError('bad_sequence', index);
    if (entry.workspaceId !== pin.workspaceId) throw new MembershipError('wrong_workspace', index);
    const hash = entryHash(entry);
    if (index === 0) {
      const body = entry.body;
      if (body.kind !== 'genesis' || entry.prev !== null || entry.author !== body.device.deviceId)
        throw new MembershipError('bad_genesis', 0);
      if (pin.genesisHash !== null && hash !== pin.genesisHash)
        throw new MembershipError('genesis_mismatch', 0);
      if (!verifySignature(entry, body.device.signPublicKey)) throw new MembershipError('bad_signature', 0);
      members.set(body.device.deviceId, {
        device: body.device,
        role: 'owner',
        status: 'active',
        invitedBy: null,
        revokedBy: null,
        joinedSeq: 0,
      });
      genesisHash = hash;
    } else {
      if (entry.prev !== head) throw new MembershipError('broken_chain', index);
      const author = members.get(entry.author);
      if (!author) throw new MembershipError('unknown_author', index);
      if (author.status !== 'active') throw new MembershipError('revoked_author', index);
      if (!verifySignature(entry, author.device.signPublicKey))
        throw new MembershipError('bad_signature', index);
      const fault = authorise(members, author, entry.body);
      if (fault) throw new MembershipError(fault, index);
      apply(members, entry);
    }
    head = hash;
  });
  if (entries.length === 0) throw new MembershipError('bad_genesis', 0);
  return { workspaceId: pin.workspaceId, members, head, seq: entries.length - 1, genesisHash };
}

function apply(members: Map<string, Member>, entry: MembershipEntry): void {
  const body = entry.body;
  switch (body.kind) {
    case 'genesis':
      return;
    case 'join':
      members.set(body.device.deviceId, {
        device: body.device,
        role: body.role,
        status: 'active',
        invitedBy: entry.author,
        revokedBy: null,
        joinedSeq: entry.seq,
      });
      return;
    case 'role': {
      const target = members.get(body.deviceId)!;
      members.set(body.deviceId, { ...target, role: body.role });
      return;
    }
    case 'revoke': {
      const target = members.get(body.deviceId)!;
      members.set(body.deviceId, { ...target, status: 'revoked', revokedBy: entry.author });
      return;
    }
  }
}

/**
 * The next entry after `state`, signed by `author` (whose secret key the caller holds). Checks the
 * same rules a verifier applies, so a client never publishes an entry others would refuse.
 */
export function nextEntry(
  state: MembershipState,
  author: { readonly deviceId: string; readonly signSecretKey: Uint8Array },
  body: Exclude<MembershipBody, { kind: 'genesis' }>,
  at: number,
): MembershipEntry {
  const member = state.members.get(author.deviceId);
  const seq = state.seq + 1;
  if (!member) throw new MembershipError('unknown_author', seq);
  if (member.status !== 'active') throw new MembershipError('revoked_author', seq);
  const fault = authorise(state.members, member, body);
  if (fault) throw new MembershipError(fault, seq);
  return signEntry(
    { v: 1, workspaceId: state.workspaceId, seq, prev: state.head, author: author.deviceId, at, body },
    author.signSecretKey,
  );
}

/** The genesis entry of a new workspace, signed by its first (owner) device. */
export function genesisEntry(
  workspaceId: string,
  device: MemberDevice,
  signSecretKey: Uint8Array,
  at: number,
): MembershipEntry {
  return signEntry(
    { v: 1, workspaceId, seq: 0, prev: null, author: device.deviceId, at, body: { kind: 'genesis', device } },
    signSecretKey,
  );
}
