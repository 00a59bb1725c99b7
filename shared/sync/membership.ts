import { fromBase64Url } from './encoding';
import { FIRST_EPOCH } from './epoch';
import { verifyInviteAcceptance } from './invite';
import {
  entryHash,
  MembershipError,
  membershipEntrySchema,
  signEntry,
  verifySignature,
  type MemberDevice,
  type MembershipBody,
  type MembershipEntry,
  type MembershipFault,
  type Role,
} from './membership.entry';

export * from './membership.entry';

/**
 * The rules of the signed membership log (issue 11): an append-only chain of statements, each signed
 * by the device that made it, starting from a genesis entry the owner's device signs itself. Every
 * client (and the server) verifies each entry against the chain, and the whole chain against the
 * genesis hash it pinned, so neither the server nor a member can invent, drop, reorder or alter an
 * invite, a join, a role change or a revocation. Pure functions: no I/O, no clock.
 */

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/** An invite as the verified log leaves it: open until one device joins with it or its author is revoked. */
export interface LoggedInvite {
  readonly inviteId: string;
  readonly role: Role;
  readonly authPublicKey: string;
  readonly author: string;
  readonly status: 'open' | 'used' | 'void';
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
  readonly invites: ReadonlyMap<string, LoggedInvite>;
  /** Hash of the newest entry: the next entry's `prev`. */
  readonly head: string;
  readonly seq: number;
  readonly genesisHash: string;
  /** The newest workspace key epoch (FIRST_EPOCH until the first `rotate` entry). */
  readonly epoch: number;
  /** True when a device was revoked after the newest rotation: the key it holds is still current. */
  readonly rotationDue: boolean;
}

/** Whether `m` is an active owner or admin: who may sign snapshots, compactions and rotations. */
export function isActiveManager(m: Pick<Member, 'role' | 'status'> | null | undefined): boolean {
  return !!m && m.status === 'active' && (m.role === 'owner' || m.role === 'admin');
}

function activeOwners(members: ReadonlyMap<string, Member>): number {
  let n = 0;
  for (const m of members.values()) if (m.status === 'active' && m.role === 'owner') n++;
  return n;
}

/**
 * Whether `author` (an active member) may make `body` happen to the current members: owners and
 * admins manage members, nobody acts above their own rank (an admin cannot invite, promote, demote or
 * revoke an owner), any device may revoke itself, and the last active owner can be neither demoted
 * nor revoked. Joins are not authored by members: `verifyJoin` checks them against their invite.
 */
export function authorise(
  state: Pick<MembershipState, 'members' | 'invites' | 'epoch'>,
  author: Member,
  body: MembershipBody,
): MembershipFault | null {
  const { members } = state;
  const manages = author.role === 'owner' || author.role === 'admin';
  switch (body.kind) {
    case 'genesis':
      return 'bad_genesis';
    case 'join':
      return 'not_authorised';
    case 'invite':
      if (state.invites.has(body.inviteId)) return 'duplicate_device';
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
    case 'rotate': {
      if (!manages) return 'not_authorised';
      if (body.epoch !== state.epoch + 1) return 'bad_epoch';
      return wrapsFault(members, body.wraps);
    }
  }
}

/** Exactly one wrap for each active device, and none for anyone else (a revoked device gets no key). */
function wrapsFault(
  members: ReadonlyMap<string, Member>,
  wraps: readonly { readonly deviceId: string }[],
): MembershipFault | null {
  const seen = new Set<string>();
  for (const w of wraps) {
    if (seen.has(w.deviceId) || members.get(w.deviceId)?.status !== 'active') return 'bad_wraps';
    seen.add(w.deviceId);
  }
  for (const m of members.values())
    if (m.status === 'active' && !seen.has(m.device.deviceId)) return 'bad_wraps';
  return null;
}

type JoinBody = Extract<MembershipBody, { kind: 'join' }>;

/** A join must use an open invite, prove the invite secret, and bring ids no member ever had. */
function verifyJoin(state: MembershipState, entry: MembershipEntry, body: JoinBody): MembershipFault | null {
  if (entry.author !== body.device.deviceId) return 'unknown_author';
  for (const m of state.members.values())
    if (m.device.deviceId === body.device.deviceId || m.device.clockId === body.device.clockId)
      return 'duplicate_device';
  const invite = state.invites.get(body.inviteId);
  if (!invite || invite.status !== 'open') return 'unknown_invite';
  const { deviceId, signPublicKey, boxPublicKey } = body.device;
  const acceptance = { inviteId: body.inviteId, deviceId, signPublicKey, boxPublicKey };
  if (!verifyInviteAcceptance(fromBase64Url(invite.authPublicKey), acceptance, body.proof))
    return 'bad_proof';
  if (!verifySignature(entry, signPublicKey)) return 'bad_signature';
  return null;
}

/** Checks one parsed entry against `state`; null when it may follow. */
function check(state: MembershipState, entry: MembershipEntry): MembershipFault | null {
  if (entry.workspaceId !== state.workspaceId) return 'wrong_workspace';
  if (entry.seq !== state.seq + 1) return 'bad_sequence';
  if (entry.prev !== state.head) return 'broken_chain';
  if (entry.body.kind === 'join') return verifyJoin(state, entry, entry.body);
  const author = state.members.get(entry.author);
  if (!author) return 'unknown_author';
  if (author.status !== 'active') return 'revoked_author';
  if (!verifySignature(entry, author.device.signPublicKey)) return 'bad_signature';
  return authorise(state, author, entry.body);
}

/** The state after a checked entry (copies the maps: `state` is left as it was). */
function applied(state: MembershipState, entry: MembershipEntry): MembershipState {
  const members = new Map(state.members);
  const invites = new Map(state.invites);
  const body = entry.body;
  switch (body.kind) {
    case 'genesis':
      break;
    case 'invite':
      invites.set(body.inviteId, {
        inviteId: body.inviteId,
        role: body.role,
        authPublicKey: body.authPublicKey,
        author: entry.author,
        status: 'open',
      });
      break;
    case 'join': {
      const invite = invites.get(body.inviteId)!;
      invites.set(body.inviteId, { ...invite, status: 'used' });
      members.set(body.device.deviceId, {
        device: body.device,
        role: invite.role,
        status: 'active',
        invitedBy: invite.author,
        revokedBy: null,
        joinedSeq: entry.seq,
      });
      break;
    }
    case 'role': {
      const target = members.get(body.deviceId)!;
      members.set(body.deviceId, { ...target, role: body.role });
      break;
    }
    case 'revoke': {
      const target = members.get(body.deviceId)!;
      members.set(body.deviceId, { ...target, status: 'revoked', revokedBy: entry.author });
      // A departed device must not bring anyone in through invites it made earlier.
      for (const [id, invite] of invites)
        if (invite.author === body.deviceId && invite.status === 'open')
          invites.set(id, { ...invite, status: 'void' });
      return { ...state, members, invites, head: entryHash(entry), seq: entry.seq, rotationDue: true };
    }
    case 'rotate': {
      // Open invites carry the retired key: whoever uses one would not read what follows.
      for (const [id, invite] of invites)
        if (invite.status === 'open') invites.set(id, { ...invite, status: 'void' });
      return {
        ...state,
        members,
        invites,
        head: entryHash(entry),
        seq: entry.seq,
        epoch: body.epoch,
        rotationDue: false,
      };
    }
  }
  return { ...state, members, invites, head: entryHash(entry), seq: entry.seq };
}

/**
 * The state a lone genesis entry describes, checked against `pin` (the workspace id and the genesis
 * hash this device trusts: recorded at creation, carried by the invite code it joined with).
 */
export function genesisState(
  raw: unknown,
  pin: { readonly workspaceId: string; readonly genesisHash: string | null },
): MembershipState {
  const parsed = membershipEntrySchema.safeParse(raw);
  if (!parsed.success) throw new MembershipError('malformed', 0);
  const entry = parsed.data;
  if (entry.seq !== 0) throw new MembershipError('bad_sequence', 0);
  if (entry.workspaceId !== pin.workspaceId) throw new MembershipError('wrong_workspace', 0);
  const body = entry.body;
  if (body.kind !== 'genesis' || entry.prev !== null || entry.author !== body.device.deviceId)
    throw new MembershipError('bad_genesis', 0);
  const hash = entryHash(entry);
  if (pin.genesisHash !== null && hash !== pin.genesisHash) throw new MembershipError('genesis_mismatch', 0);
  if (!verifySignature(entry, body.device.signPublicKey)) throw new MembershipError('bad_signature', 0);
  const owner: Member = {
    device: body.device,
    role: 'owner',
    status: 'active',
    invitedBy: null,
    revokedBy: null,
    joinedSeq: 0,
  };
  return {
    workspaceId: entry.workspaceId,
    members: new Map([[body.device.deviceId, owner]]),
    invites: new Map(),
    head: hash,
    seq: 0,
    genesisHash: hash,
    epoch: FIRST_EPOCH,
    rotationDue: false,
  };
}

/**
 * Verifies one more entry after a verified `state` and returns the new state (the old one is left
 * untouched). Throws `MembershipError` when it is malformed, out of sequence, not linked to the head,
 * not signed by an active member's key (or, for a join, by the joiner with a valid invite proof), or
 * not authorised. What every client and the server run on every entry.
 */
export function appendEntry(state: MembershipState, raw: unknown): MembershipState {
  const seq = state.seq + 1;
  const parsed = membershipEntrySchema.safeParse(raw);
  if (!parsed.success) throw new MembershipError('malformed', seq);
  const fault = check(state, parsed.data);
  if (fault) throw new MembershipError(fault, seq);
  return applied(state, parsed.data);
}

/**
 * Verifies a whole log from its genesis and returns the state it describes (see `genesisState` for
 * `pin`). Throws `MembershipError` at the first entry that does not verify.
 */
export function verifyMembershipLog(
  entries: readonly unknown[],
  pin: { readonly workspaceId: string; readonly genesisHash: string | null },
): MembershipState {
  if (entries.length === 0) throw new MembershipError('bad_genesis', 0);
  let state = genesisState(entries[0], pin);
  for (let i = 1; i < entries.length; i++) state = appendEntry(state, entries[i]);
  return state;
}

/**
 * The next entry after `state`, signed by `author` (a member; the caller holds and zeroes its secret
 * key). Checks the same rules a verifier applies, so a client never publishes an entry others refuse.
 */
export function nextEntry(
  state: MembershipState,
  author: { readonly deviceId: string; readonly signSecretKey: Uint8Array },
  body: Exclude<MembershipBody, { kind: 'genesis' } | { kind: 'join' }>,
  at: number,
): MembershipEntry {
  const entry = signAfter(state, author, body, at);
  appendEntry(state, entry);
  return entry;
}

/**
 * `body` signed by `author` as the entry after `state`, without checking the rules: the building
 * block of `nextEntry` and `joinEntry` (which check), and what a test's hostile member sends.
 */
export function signAfter(
  state: Pick<MembershipState, 'workspaceId' | 'seq' | 'head'>,
  author: { readonly deviceId: string; readonly signSecretKey: Uint8Array },
  body: Exclude<MembershipBody, { kind: 'genesis' }>,
  at: number,
): MembershipEntry {
  return signEntry(
    {
      v: 1,
      workspaceId: state.workspaceId,
      seq: state.seq + 1,
      prev: state.head,
      author: author.deviceId,
      at,
      body,
    },
    author.signSecretKey,
  );
}

/**
 * The join entry a device signs for itself with an invite (`proof` from `signInviteAcceptance`),
 * checked against `state` (the log the joiner fetched and verified against its pin).
 */
export function joinEntry(
  state: MembershipState,
  joiner: { readonly device: MemberDevice; readonly signSecretKey: Uint8Array },
  invite: { readonly inviteId: string; readonly proof: string },
  at: number,
): MembershipEntry {
  const { device } = joiner;
  const entry = signAfter(
    state,
    { deviceId: device.deviceId, signSecretKey: joiner.signSecretKey },
    { kind: 'join', inviteId: invite.inviteId, device, proof: invite.proof },
    at,
  );
  appendEntry(state, entry);
  return entry;
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
