import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { fromBase64Url } from '../../../shared/sync/encoding';
import {
  chainPreviousKey,
  checkEpochKey,
  epochCommitment,
  escrowEpochKey,
  openPreviousKey,
  unwrapEpochKey,
  wrapEpochKey,
  type EpochPlace,
} from '../../../shared/sync/epoch';
import {
  isActiveManager,
  type MembershipBody,
  type MembershipEntry,
  type MembershipState,
} from '../../../shared/sync/membership';
import type { Logger } from '../log/logger';
import type { SyncMembership } from './sync.membership';
import type { SyncSession } from './sync.session';

type RotateBody = Extract<MembershipBody, { kind: 'rotate' }>;

/** Where the organisation's escrow public key comes from (IT policy's `escrowKey`), if anywhere. */
export type EscrowKeySource = () => Promise<string | undefined>;

function invalidKey(epoch: number): AppError {
  return new AppError(
    'EPOCH_KEY_INVALID',
    `the key of epoch ${epoch} sent to this device does not open or does not match its commitment`,
  );
}

/**
 * Workspace key epochs on this device (issue 12): adopting the keys that verified `rotate` entries
 * seal to it, and making a rotation (an owner or admin: after a revocation, or on demand). Keys are
 * bytes, kept in `sync_keys` inside the vault and in the session's memory only while unlocked; every
 * intermediate copy is zeroed here.
 */
export class SyncEpochs {
  constructor(
    private readonly session: SyncSession,
    private readonly membership: SyncMembership,
    private readonly logger: Logger,
    private readonly escrowKey: EscrowKeySource,
  ) {}

  /** The rotate entries of the verified log by epoch. */
  private rotations(): Map<number, RotateBody> {
    const out = new Map<number, RotateBody>();
    for (const e of this.membership.entries()) if (e.body.kind === 'rotate') out.set(e.body.epoch, e.body);
    return out;
  }

  /**
   * Adopts every epoch key of the verified log this device lacks: the newest through its own wrap
   * (checked against the entry's commitment), older ones by walking the chain of `previous` keys
   * back from the newest (a device that joined after a rotation reads the history). Returns how
   * many keys it added; EPOCH_KEY_INVALID when a wrap or a chained key does not open or match.
   * A revoked device has no wrap in later rotations and adopts nothing.
   */
  adopt(): number {
    const state = this.membership.state();
    const ws = this.session.workspace;
    if (!state || !ws || state.epoch === 1) return 0;
    const { keys } = this.session.require();
    const held = keys.workspace;
    const missing = [...Array(state.epoch).keys()].map((i) => i + 1).filter((e) => !held.has(e));
    if (missing.length === 0) return 0;
    if (this.membership.selfRevoked()) return 0;
    const rotations = this.rotations();
    const place = (epoch: number): EpochPlace => ({ workspaceId: ws.workspaceId, epoch });
    const fresh = new Map<number, Uint8Array>();
    try {
      let newest = held.get(state.epoch);
      // A key this device already holds for the newest epoch (from its invite) must be the committed one.
      const committedNewest = rotations.get(state.epoch)?.commitment;
      if (newest && committedNewest && !checkEpochKey(newest, place(state.epoch), committedNewest))
        throw invalidKey(state.epoch);
      if (!newest) {
        const body = rotations.get(state.epoch)!;
        const wrap = body.wraps.find((w) => w.deviceId === ws.deviceId);
        const key = wrap ? unwrapEpochKey(wrap, place(state.epoch), keys.box) : null;
        if (!key || !checkEpochKey(key, place(state.epoch), body.commitment)) {
          key?.fill(0);
          throw invalidKey(state.epoch);
        }
        fresh.set(state.epoch, key);
        newest = key;
      }
      // Walk back: the key of epoch e opens the key of e - 1 that rotation e carries.
      let current = newest;
      for (let e = state.epoch; e > 1; e--) {
        const known = held.get(e - 1);
        if (known) {
          current = known;
          continue;
        }
        const previous = openPreviousKey(rotations.get(e)!.previous, current, place(e));
        const committed = rotations.get(e - 1)?.commitment;
        if (!previous || (committed !== undefined && !checkEpochKey(previous, place(e - 1), committed))) {
          previous?.fill(0);
          throw invalidKey(e - 1);
        }
        fresh.set(e - 1, previous);
        current = previous;
      }
      const added = [...fresh].map(([keyId, key]) => ({ keyId, key }));
      this.session.addWorkspaceKeys(added);
      if (added.length > 0)
        this.logger.log('info', 'sync.epochAdopted', { epoch: state.epoch, keys: added.length });
      return added.length;
    } finally {
      for (const k of fresh.values()) k.fill(0);
    }
  }

  /** The rotate body after `state`: key `key` sealed to every active member (and the escrow key). */
  private body(state: MembershipState, key: Uint8Array, escrow: Uint8Array | null): RotateBody {
    const { ws, keys } = this.session.require();
    const epoch = state.epoch + 1;
    const place: EpochPlace = { workspaceId: ws.workspaceId, epoch };
    const current = keys.workspace.get(state.epoch);
    if (!current) throw new AppError('KEY_MISSING', 'This device does not hold the current workspace key');
    const wraps = [...state.members.values()]
      .filter((m) => m.status === 'active')
      .map((m) => wrapEpochKey(key, place, m.device));
    return {
      kind: 'rotate',
      epoch,
      commitment: epochCommitment(key, place),
      previous: chainPreviousKey(current, key, place),
      wraps,
      ...(escrow ? { escrow: escrowEpochKey(key, place, escrow) } : {}),
    };
  }

  /**
   * Creates workspace key N+1 (32 random bytes), seals it to every active device of the fresh
   * verified log (none for a revoked one) and publishes the signed `rotate` entry; the server then
   * refuses pushes under older epochs. `onlyIfDue` (after a revocation) does nothing unless a
   * revocation came after the newest rotation, so two admins do not rotate twice. FORBIDDEN for
   * members and viewers. Returns the new epoch, or null when nothing was due.
   */
  async rotate(options: { onlyIfDue?: boolean } = {}): Promise<number | null> {
    await this.membership.refresh();
    this.adopt();
    const escrowText = await this.escrowKey();
    const escrow = escrowText ? fromBase64Url(escrowText) : null;
    const key = randomBytes(32);
    try {
      let epoch = 0;
      const entry: MembershipEntry | null = await this.membership.publish((state) => {
        if (options.onlyIfDue && !state.rotationDue) return null;
        epoch = state.epoch + 1;
        return this.body(state, key, escrow);
      });
      if (!entry) return null;
      this.session.addWorkspaceKeys([{ keyId: epoch, key }]);
      this.logger.log('info', 'sync.keyRotated', {
        epoch,
        devices: entry.body.kind === 'rotate' ? entry.body.wraps.length : 0,
      });
      return epoch;
    } finally {
      key.fill(0);
    }
  }

  /**
   * True when a rotation is due and this device is the one to make it: it signed the newest
   * revocation, or that revocation was a device leaving on its own (which wipes itself and rotates
   * nothing) and this is an active owner or admin (several may race; the log takes one rotation).
   */
  rotationDueByUs(): boolean {
    const state = this.membership.state();
    const ws = this.session.workspace;
    const self = this.membership.self();
    if (!state?.rotationDue || !ws || self?.status !== 'active') return false;
    const lastRevoke = this.membership
      .entries()
      .reverse()
      .find((e) => e.body.kind === 'revoke');
    if (!lastRevoke) return false;
    if (lastRevoke.author === ws.deviceId) return true;
    const left = lastRevoke.body.kind === 'revoke' && lastRevoke.body.deviceId === lastRevoke.author;
    return left && isActiveManager(self);
  }
}
