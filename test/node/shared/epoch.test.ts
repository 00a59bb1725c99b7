import { x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { toBase64Url } from '../../../shared/sync/encoding';
import {
  chainPreviousKey,
  checkEpochKey,
  epochCommitment,
  escrowEpochKey,
  openPreviousKey,
  unescrowEpochKey,
  unwrapEpochKey,
  wrapEpochKey,
  type EpochWrap,
} from '../../../shared/sync/epoch';
import { createInviteSecret, deriveInviteAuthKey, signInviteAcceptance } from '../../../shared/sync/invite';
import {
  appendEntry,
  entryHash,
  genesisEntry,
  joinEntry,
  MembershipError,
  nextEntry,
  signAfter,
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
  readonly boxSecretKey: Uint8Array;
  readonly device: {
    deviceId: string;
    clockId: string;
    signPublicKey: string;
    boxPublicKey: string;
    name: string;
  };
}

type RotateBody = Extract<MembershipBody, { kind: 'rotate' }>;

function device(name: string): Device {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  return {
    deviceId,
    signSecretKey: keys.signSecretKey,
    boxSecretKey: keys.boxSecretKey,
    device: {
      deviceId,
      clockId: deviceId.slice(0, 12),
      signPublicKey: toBase64Url(keys.signPublicKey),
      boxPublicKey: toBase64Url(keys.boxPublicKey),
      name,
    },
  };
}

/** A workspace log with its epoch keys, verified after each append like a client would. */
class Log {
  readonly entries: MembershipEntry[] = [];
  readonly workspaceId = randomId();
  readonly keys = new Map<number, Uint8Array>([[1, randomBytes(32)]]);
  state: MembershipState;
  constructor(readonly owner: Device) {
    this.entries.push(genesisEntry(this.workspaceId, owner.device, owner.signSecretKey, 1));
    this.state = this.verify();
  }
  verify(entries: readonly unknown[] = this.entries): MembershipState {
    return verifyMembershipLog(entries, {
      workspaceId: this.workspaceId,
      genesisHash: entryHash(this.entries[0]!),
    });
  }
  push(entry: MembershipEntry): MembershipEntry {
    this.entries.push(entry);
    this.state = this.verify();
    return entry;
  }
  add(
    author: Device,
    body: Exclude<MembershipBody, { kind: 'genesis' } | { kind: 'join' }>,
  ): MembershipEntry {
    return this.push(nextEntry(this.state, author, body, this.entries.length + 1));
  }
  invite(author: Device, role: Role) {
    const inviteId = randomId();
    const auth = deriveInviteAuthKey(createInviteSecret(), inviteId);
    this.add(author, { kind: 'invite', inviteId, authPublicKey: toBase64Url(auth.publicKey), role });
    return (d: Device) =>
      joinEntry(
        this.state,
        d,
        {
          inviteId,
          proof: signInviteAcceptance(auth.secretKey, {
            inviteId,
            deviceId: d.deviceId,
            signPublicKey: d.device.signPublicKey,
            boxPublicKey: d.device.boxPublicKey,
          }),
        },
        1,
      );
  }
  join(author: Device, d: Device, role: Role): void {
    this.push(this.invite(author, role)(d));
  }
  /** A rotate body for the next epoch (or `epoch`), wrapped to `to` (default: every active device). */
  rotation(
    options: { epoch?: number; to?: readonly Device['device'][]; escrow?: Uint8Array } = {},
  ): RotateBody {
    const epoch = options.epoch ?? this.state.epoch + 1;
    const key = randomBytes(32);
    const place = { workspaceId: this.workspaceId, epoch };
    const to =
      options.to ??
      [...this.state.members.values()].filter((m) => m.status === 'active').map((m) => m.device);
    const previous = this.keys.get(this.state.epoch)!;
    this.keys.set(epoch, key);
    return {
      kind: 'rotate',
      epoch,
      commitment: epochCommitment(key, place),
      previous: chainPreviousKey(previous, key, place),
      wraps: to.map((d) => wrapEpochKey(key, place, d)),
      ...(options.escrow ? { escrow: escrowEpochKey(key, place, options.escrow) } : {}),
    };
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

function team() {
  const owner = device('owner');
  const admin = device('admin');
  const rep = device('rep');
  const gone = device('gone');
  const log = new Log(owner);
  log.join(owner, admin, 'admin');
  log.join(owner, rep, 'member');
  log.join(owner, gone, 'member');
  log.add(admin, { kind: 'revoke', deviceId: gone.deviceId });
  return { owner, admin, rep, gone, log };
}

describe('rotate entries of the membership log', () => {
  it('an admin rotation after a revocation verifies; every remaining device opens its key; the revoked one has none', () => {
    const { admin, owner, rep, gone, log } = team();
    expect(log.state).toMatchObject({ epoch: 1, rotationDue: true });
    const body = log.rotation();
    log.add(admin, body);
    expect(log.state).toMatchObject({ epoch: 2, rotationDue: false });
    const place = { workspaceId: log.workspaceId, epoch: 2 };
    for (const d of [owner, admin, rep]) {
      const wrap = body.wraps.find((w) => w.deviceId === d.deviceId)!;
      const key = unwrapEpochKey(wrap, place, d.boxSecretKey)!;
      expect(checkEpochKey(key, place, body.commitment)).toBe(true);
      expect(key).toEqual(log.keys.get(2));
      // The newest key opens the one before it: a device that joins later reads the history.
      expect(openPreviousKey(body.previous, key, place)).toEqual(log.keys.get(1));
    }
    expect(body.wraps.some((w) => w.deviceId === gone.deviceId)).toBe(false);
    // The revoked device's box key opens none of the wraps, whatever id it claims.
    for (const w of body.wraps) expect(unwrapEpochKey(w, place, gone.boxSecretKey)).toBeNull();
    // The previous key's box does not open under the old key (the revoked one's).
    expect(openPreviousKey(body.previous, log.keys.get(1)!, place)).toBeNull();
  });

  it('a rotation voids every open invite (they carry the retired key)', () => {
    const { owner, admin, log } = team();
    const joinLater = log.invite(owner, 'member');
    log.add(admin, log.rotation());
    expect(faultOf(() => appendEntry(log.state, joinLater(device('late'))))).toBe('unknown_invite');
  });

  it('refuses a rotation forged by a member, wraps for a revoked or missing device, epoch skips and replays', () => {
    const { owner, admin, rep, gone, log } = team();
    const active = [owner.device, admin.device, rep.device];
    const attempt = (author: Device, body: RotateBody) =>
      faultOf(() => appendEntry(log.state, signAfter(log.state, author, body, 9)));
    expect(attempt(rep, log.rotation())).toBe('not_authorised');
    expect(attempt(gone, log.rotation())).toBe('revoked_author');
    expect(attempt(admin, log.rotation({ to: [...active, gone.device] }))).toBe('bad_wraps');
    expect(attempt(admin, log.rotation({ to: [owner.device, admin.device] }))).toBe('bad_wraps');
    expect(attempt(admin, log.rotation({ to: [...active, rep.device] }))).toBe('bad_wraps');
    expect(attempt(admin, log.rotation({ epoch: 3 }))).toBe('bad_epoch');
    // Epoch 1 is the genesis key's: no entry may name it again.
    expect(attempt(admin, log.rotation({ epoch: 1 }))).toBe('malformed');
    // nextEntry (what a client signs with) applies the same rules.
    expect(faultOf(() => nextEntry(log.state, rep, log.rotation(), 9))).toBe('not_authorised');
    const accepted = log.add(admin, log.rotation({ epoch: 2 }));
    // The same signed entry again, or its body re-signed at the head: refused.
    expect(faultOf(() => appendEntry(log.state, accepted))).toBe('bad_sequence');
    expect(attempt(admin, accepted.body as RotateBody)).toBe('bad_epoch');
    // The server and every client verify the whole log from genesis the same way.
    expect(log.verify().epoch).toBe(2);
  });

  it('refuses a rotate entry whose fields were altered after signing', () => {
    const { admin, log } = team();
    const entry = signAfter(log.state, admin, log.rotation(), 9);
    const body = entry.body as RotateBody;
    const swapped: EpochWrap[] = body.wraps.map((w, i, all) => ({
      ...w,
      ephemeral: all[(i + 1) % all.length]!.ephemeral,
    }));
    expect(faultOf(() => appendEntry(log.state, { ...entry, body: { ...body, wraps: swapped } }))).toBe(
      'bad_signature',
    );
    expect(faultOf(() => appendEntry(log.state, { ...entry, body: { ...body, epoch: 7 } }))).toBe(
      'bad_signature',
    );
    expect(faultOf(() => appendEntry(log.state, { ...entry, body: { ...body, wraps: [] } }))).toBe(
      'malformed',
    );
  });
});

describe('epoch key sealed boxes', () => {
  const workspaceId = randomId();
  const place = { workspaceId, epoch: 5 };

  it('a wrap opens only for its device, workspace and epoch', () => {
    const a = device('a');
    const b = device('b');
    const key = randomBytes(32);
    const wrap = wrapEpochKey(key, place, a.device);
    expect(unwrapEpochKey(wrap, place, a.boxSecretKey)).toEqual(key);
    expect(unwrapEpochKey(wrap, place, b.boxSecretKey)).toBeNull();
    expect(unwrapEpochKey({ ...wrap, deviceId: b.deviceId }, place, a.boxSecretKey)).toBeNull();
    expect(unwrapEpochKey(wrap, { ...place, epoch: 6 }, a.boxSecretKey)).toBeNull();
    expect(unwrapEpochKey(wrap, { ...place, workspaceId: randomId() }, a.boxSecretKey)).toBeNull();
    expect(unwrapEpochKey({ ...wrap, sealed: 'A'.repeat(96) }, place, a.boxSecretKey)).toBeNull();
    expect(unwrapEpochKey({ ...wrap, ephemeral: 'B'.repeat(43) }, place, a.boxSecretKey)).toBeNull();
  });

  it('the commitment names one key for one place', () => {
    const key = randomBytes(32);
    const commitment = epochCommitment(key, place);
    expect(checkEpochKey(key, place, commitment)).toBe(true);
    expect(checkEpochKey(randomBytes(32), place, commitment)).toBe(false);
    expect(checkEpochKey(key, { ...place, epoch: 4 }, commitment)).toBe(false);
    expect(checkEpochKey(key.subarray(0, 31), place, commitment)).toBe(false);
  });

  it('the escrow wrap opens with the escrow secret key only', () => {
    const escrow = escrowPair();
    const key = randomBytes(32);
    const box = escrowEpochKey(key, place, escrow.publicKey);
    expect(unescrowEpochKey(box, place, escrow.secretKey)).toEqual(key);
    expect(unescrowEpochKey(box, place, escrowPair().secretKey)).toBeNull();
    expect(unescrowEpochKey(box, { ...place, epoch: 6 }, escrow.secretKey)).toBeNull();
    // A device wrap is not an escrow wrap (different label), even to the same X25519 key.
    const asDevice = wrapEpochKey(key, place, {
      deviceId: 'escrow',
      boxPublicKey: toBase64Url(escrow.publicKey),
    });
    expect(unescrowEpochKey(asDevice, place, escrow.secretKey)).toBeNull();
  });
});

/** An escrow holder's X25519 key pair. */
function escrowPair(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}
