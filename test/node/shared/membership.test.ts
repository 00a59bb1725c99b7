import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { toBase64Url } from '../../../shared/sync/encoding';
import { createInviteSecret, deriveInviteAuthKey, signInviteAcceptance } from '../../../shared/sync/invite';
import {
  entryHash,
  genesisEntry,
  joinEntry,
  MembershipError,
  nextEntry,
  verifyMembershipLog,
  type MembershipBody,
  type MembershipEntry,
  type MembershipFault,
  type MembershipState,
  type Role,
} from '../../../shared/sync/membership';

interface Device {
  readonly deviceId: string;
  readonly signSecretKey: Uint8Array;
  readonly device: {
    deviceId: string;
    clockId: string;
    signPublicKey: string;
    boxPublicKey: string;
    name: string;
  };
}

type MemberBody = Exclude<MembershipBody, { kind: 'genesis' } | { kind: 'join' }>;

function device(name: string): Device {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  return {
    deviceId,
    signSecretKey: keys.signSecretKey,
    device: {
      deviceId,
      clockId: deviceId.slice(0, 12),
      signPublicKey: toBase64Url(keys.signPublicKey),
      boxPublicKey: toBase64Url(keys.boxPublicKey),
      name,
    },
  };
}

/** A workspace log built entry by entry, verified after each append like a client would. */
class Log {
  readonly entries: MembershipEntry[] = [];
  readonly workspaceId = randomId();
  state: MembershipState;
  constructor(readonly owner: Device) {
    this.entries.push(genesisEntry(this.workspaceId, owner.device, owner.signSecretKey, 1));
    this.state = this.verify();
  }
  get pin() {
    return { workspaceId: this.workspaceId, genesisHash: entryHash(this.entries[0]!) };
  }
  verify(entries: readonly unknown[] = this.entries): MembershipState {
    return verifyMembershipLog(entries, this.pin);
  }
  add(author: Device, body: MemberBody): MembershipEntry {
    const entry = nextEntry(this.state, author, body, this.entries.length + 1);
    return this.push(entry);
  }
  push(entry: MembershipEntry): MembershipEntry {
    this.entries.push(entry);
    this.state = this.verify();
    return entry;
  }
  /** `author` invites with `role`; `d` joins with the invite's secret (two entries). */
  join(author: Device, d: Device, role: Role): void {
    const invite = this.invite(author, role);
    this.push(joinEntry(this.state, d, { inviteId: invite.inviteId, proof: invite.proofFor(d) }, 1));
  }
  invite(author: Device, role: Role) {
    const inviteId = randomId();
    const auth = deriveInviteAuthKey(createInviteSecret(), inviteId);
    this.add(author, { kind: 'invite', inviteId, authPublicKey: toBase64Url(auth.publicKey), role });
    const proofFor = (d: Device) =>
      signInviteAcceptance(auth.secretKey, {
        inviteId,
        deviceId: d.deviceId,
        signPublicKey: d.device.signPublicKey,
        boxPublicKey: d.device.boxPublicKey,
      });
    return { inviteId, proofFor };
  }
}

function faultOf(fn: () => unknown): MembershipFault | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof MembershipError) return error.fault;
    throw error;
  }
}

describe('membership log', () => {
  it('verifies joins, role changes and revocations, recording who invited and who revoked whom', () => {
    const owner = device('Owner laptop');
    const admin = device('Admin laptop');
    const rep = device('Rep laptop');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    log.join(admin, rep, 'member');
    log.add(owner, { kind: 'role', deviceId: rep.deviceId, role: 'viewer' });
    log.add(admin, { kind: 'revoke', deviceId: rep.deviceId });
    const members = log.verify().members;
    expect(members.get(owner.deviceId)).toMatchObject({ role: 'owner', status: 'active', invitedBy: null });
    expect(members.get(admin.deviceId)).toMatchObject({ role: 'admin', invitedBy: owner.deviceId });
    expect(members.get(rep.deviceId)).toMatchObject({
      role: 'viewer',
      status: 'revoked',
      invitedBy: admin.deviceId,
      revokedBy: admin.deviceId,
    });
  });

  it('refuses entries the chain does not authorise, and never removes the last owner', () => {
    const owner = device('o');
    const admin = device('a');
    const member = device('m');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    log.join(owner, member, 'member');
    const attempt = (author: Device, body: MemberBody) =>
      faultOf(() => nextEntry(log.state, author, body, 9));
    const invite = (role: Role): MemberBody => ({
      kind: 'invite',
      inviteId: randomId(),
      authPublicKey: device('k').device.signPublicKey,
      role,
    });
    // A member cannot invite, revoke or promote anyone.
    expect(attempt(member, invite('member'))).toBe('not_authorised');
    expect(attempt(member, { kind: 'revoke', deviceId: owner.deviceId })).toBe('not_authorised');
    expect(attempt(member, { kind: 'revoke', deviceId: admin.deviceId })).toBe('not_authorised');
    expect(attempt(member, { kind: 'role', deviceId: member.deviceId, role: 'admin' })).toBe(
      'not_authorised',
    );
    // An admin acts only up to its own rank.
    expect(attempt(admin, { kind: 'revoke', deviceId: owner.deviceId })).toBe('not_authorised');
    expect(attempt(admin, { kind: 'role', deviceId: member.deviceId, role: 'owner' })).toBe('not_authorised');
    expect(attempt(admin, invite('owner'))).toBe('not_authorised');
    expect(attempt(admin, invite('admin'))).toBeNull();
    // The only owner can neither leave nor step down.
    expect(attempt(owner, { kind: 'revoke', deviceId: owner.deviceId })).toBe('last_owner');
    expect(attempt(owner, { kind: 'role', deviceId: owner.deviceId, role: 'admin' })).toBe('last_owner');
    // A member may leave by revoking itself; a second owner lets the first step down.
    expect(attempt(member, { kind: 'revoke', deviceId: member.deviceId })).toBeNull();
    log.add(owner, { kind: 'role', deviceId: admin.deviceId, role: 'owner' });
    expect(attempt(owner, { kind: 'revoke', deviceId: owner.deviceId })).toBeNull();
  });

  it('a join needs an open invite, its secret, and ids no member ever had', () => {
    const owner = device('o');
    const admin = device('a');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    const stranger = device('s');
    const inv = log.invite(admin, 'member');
    const join = (d: Device, proof: string, inviteId = inv.inviteId) =>
      faultOf(() => joinEntry(log.state, d, { inviteId, proof }, 3));
    // Without the invite secret (a proof made for another device, or for another invite).
    expect(join(stranger, inv.proofFor(device('other')))).toBe('bad_proof');
    expect(join(stranger, inv.proofFor(stranger), randomId())).toBe('unknown_invite');
    // Reusing a member's clock id (the prefix impersonation of issue 11) or device id.
    const twin = device('twin');
    const clash = { ...twin, device: { ...twin.device, clockId: admin.device.clockId } };
    expect(join(clash, inv.proofFor(clash))).toBe('duplicate_device');
    // A valid join uses the invite up; the role is the invite's.
    log.push(joinEntry(log.state, stranger, { inviteId: inv.inviteId, proof: inv.proofFor(stranger) }, 3));
    expect(log.state.members.get(stranger.deviceId)).toMatchObject({
      role: 'member',
      invitedBy: admin.deviceId,
    });
    const late = device('late');
    expect(join(late, inv.proofFor(late))).toBe('unknown_invite');
    // Invites of a revoked device are void.
    const pending = log.invite(admin, 'member');
    log.add(owner, { kind: 'revoke', deviceId: admin.deviceId });
    expect(
      faultOf(() =>
        joinEntry(log.state, late, { inviteId: pending.inviteId, proof: pending.proofFor(late) }, 4),
      ),
    ).toBe('unknown_invite');
  });

  it('a revoked device can no longer sign entries', () => {
    const owner = device('o');
    const admin = device('a');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    log.add(owner, { kind: 'revoke', deviceId: admin.deviceId });
    expect(
      faultOf(() =>
        nextEntry(
          log.state,
          admin,
          {
            kind: 'invite',
            inviteId: randomId(),
            authPublicKey: device('z').device.signPublicKey,
            role: 'member',
          },
          5,
        ),
      ),
    ).toBe('revoked_author');
  });

  it('detects what a server or a member could do to the stored log', () => {
    const owner = device('o');
    const admin = device('a');
    const rep = device('r');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    log.join(admin, rep, 'member');
    log.add(admin, { kind: 'revoke', deviceId: rep.deviceId });
    const entries = log.entries;
    const clone = (): MembershipEntry[] => structuredClone(entries);

    // Dropping or reordering entries.
    expect(faultOf(() => log.verify(entries.filter((_, i) => i !== 2)))).toBe('bad_sequence');
    expect(faultOf(() => log.verify([entries[0], entries[2], entries[1], ...entries.slice(3)]))).toBe(
      'bad_sequence',
    );
    // Renumbering after a drop still breaks the chain (each entry names its predecessor's hash).
    const renumbered = clone().filter((_, i) => i !== 1);
    renumbered.forEach((e, i) => (e.seq = i));
    expect(faultOf(() => log.verify(renumbered))).toBe('broken_chain');
    // Changing what an entry says (a revocation aimed at someone else).
    const retargeted = clone();
    const revoke = retargeted[5]!;
    if (revoke.body.kind !== 'revoke') throw new Error('fixture');
    revoke.body.deviceId = owner.deviceId;
    expect(faultOf(() => log.verify(retargeted))).toBe('bad_signature');
    // An entry signed by a key that is not a member's (the server forging a revocation).
    const forger = device('forger');
    const forged = clone().slice(0, 5);
    const state = log.verify(forged);
    const fake = nextEntry(
      {
        ...state,
        members: new Map([
          ...state.members,
          [forger.deviceId, { ...state.members.get(owner.deviceId)!, device: forger.device }],
        ]),
      },
      forger,
      { kind: 'revoke', deviceId: rep.deviceId },
      9,
    );
    expect(faultOf(() => log.verify([...forged, fake]))).toBe('unknown_author');
    // A different genesis (a substituted workspace) against the pinned hash.
    const other = new Log(device('other owner'));
    expect(
      faultOf(() => verifyMembershipLog(other.entries, { ...log.pin, workspaceId: other.workspaceId })),
    ).toBe('genesis_mismatch');
    expect(faultOf(() => verifyMembershipLog(entries, { ...log.pin, workspaceId: randomId() }))).toBe(
      'wrong_workspace',
    );
    expect(faultOf(() => log.verify([]))).toBe('bad_genesis');
    expect(faultOf(() => log.verify([{ ...entries[0], extra: 1 }]))).toBe('malformed');
  });

  it('property: any single change to any signed field of any entry is detected', () => {
    const owner = device('o');
    const admin = device('a');
    const rep = device('r');
    const log = new Log(owner);
    log.join(owner, admin, 'admin');
    log.join(admin, rep, 'member');
    log.add(owner, { kind: 'role', deviceId: rep.deviceId, role: 'viewer' });
    log.add(admin, { kind: 'revoke', deviceId: rep.deviceId });
    const fields = ['workspaceId', 'prev', 'author', 'at', 'body', 'signature'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: log.entries.length - 1 }),
        fc.constantFrom(...fields),
        fc.nat(),
        (index, field, salt) => {
          const entries = structuredClone(log.entries);
          const entry = entries[index]!;
          if (field === 'at') entry.at = entry.at + 1 + (salt % 1000);
          else if (field === 'body') entry.body = { kind: 'revoke', deviceId: randomId() };
          else if (field === 'prev') entry.prev = toBase64Url(new Uint8Array(32).fill(salt % 256));
          else {
            const text = entry[field];
            const at = salt % text.length;
            const flipped = text[at] === 'A' ? 'B' : 'A';
            entry[field] = text.slice(0, at) + flipped + text.slice(at + 1);
          }
          expect(faultOf(() => log.verify(entries))).not.toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});
