import { AppError, type ErrorCode } from '../shared/errors';
import {
  appendEntry,
  membershipEntrySchema,
  MembershipError,
  verifyMembershipLog,
  type MemberDevice,
  type MembershipEntry,
  type MembershipFault,
  type MembershipState,
} from '../shared/sync/membership';
import type { DeviceRegistration } from '../shared/sync/protocol';
import type { DeviceRecord, SyncStorage } from './storage/storage';
import type { MembershipEffect, MembershipOutcome } from './storage/storage.membership';

/** How a refused entry is answered: authority problems are FORBIDDEN, a moved head a CONFLICT. */
const FAULT_CODES: Record<MembershipFault, ErrorCode> = {
  not_authorised: 'FORBIDDEN',
  last_owner: 'FORBIDDEN',
  revoked_author: 'FORBIDDEN',
  unknown_author: 'FORBIDDEN',
  bad_sequence: 'CONFLICT',
  broken_chain: 'CONFLICT',
  unknown_invite: 'NOT_FOUND',
  bad_proof: 'SYNC_UNAUTHORIZED',
  bad_signature: 'SYNC_UNAUTHORIZED',
  malformed: 'VALIDATION',
  bad_genesis: 'VALIDATION',
  genesis_mismatch: 'VALIDATION',
  wrong_workspace: 'VALIDATION',
  duplicate_device: 'CONFLICT',
  unknown_device: 'NOT_FOUND',
  bad_epoch: 'VALIDATION',
  bad_wraps: 'VALIDATION',
};

/** True when a log device and a registration name the same device with the same keys. */
export function sameRegistration(device: MemberDevice, reg: DeviceRegistration): boolean {
  return (
    device.deviceId === reg.deviceId &&
    device.signPublicKey === reg.signPublicKey &&
    device.boxPublicKey === reg.boxPublicKey
  );
}

/**
 * The server's side of the membership log: it runs the same verification every client runs before
 * it appends an entry, so roles are enforced here (FORBIDDEN) as well as by every client. The
 * server holds no key that could sign an entry; what it stores is only what devices signed. The
 * verified state is cached per workspace and extended with newer entries (appends are
 * compare-and-set on the sequence number, so a verified prefix never changes underneath).
 */
export class MembershipGate {
  private readonly verified = new Map<string, MembershipState>();

  constructor(private readonly storage: SyncStorage) {}

  /** The stored entries from `from` on. */
  async entries(workspaceId: string, from: number): Promise<MembershipEntry[]> {
    const stored = await this.storage.membership(workspaceId, from);
    return stored.map((e) => membershipEntrySchema.parse(JSON.parse(e.json)));
  }

  /** The verified state of the stored log. */
  async state(workspaceId: string): Promise<MembershipState> {
    const cached = this.verified.get(workspaceId);
    try {
      let state: MembershipState;
      if (cached) {
        state = cached;
        for (const e of await this.entries(workspaceId, cached.seq + 1)) state = appendEntry(state, e);
      } else {
        const all = await this.entries(workspaceId, 0);
        if (all.length === 0) throw new AppError('NOT_FOUND', 'this workspace has no membership log');
        state = verifyMembershipLog(all, { workspaceId, genesisHash: null });
      }
      this.verified.set(workspaceId, state);
      return state;
    } catch (error) {
      this.verified.delete(workspaceId);
      if (error instanceof MembershipError)
        throw new AppError('INTERNAL', `the stored membership log does not verify (${error.fault})`);
      throw error;
    }
  }

  /**
   * Verifies `entry` as the next one after the stored log and returns the state it leads to. A
   * member-authored entry must come from the calling device; a join is authored by the joiner.
   */
  async admit(
    workspaceId: string,
    caller: DeviceRecord | null,
    entry: MembershipEntry,
  ): Promise<MembershipState> {
    const state = await this.state(workspaceId);
    if (caller && entry.author !== caller.deviceId)
      throw new AppError('FORBIDDEN', 'an entry must be signed by the device that sends it');
    if (entry.seq <= state.seq) {
      // The same signed entry again is a retry after a lost answer: the storage answers it as before.
      const [stored] = await this.storage.membership(workspaceId, entry.seq);
      if (stored && stored.seq === entry.seq && stored.json === JSON.stringify(entry)) return state;
    }
    return this.check(() => appendEntry(state, entry));
  }

  /** Runs a verification, answering its fault with a stable code (never with entry content). */
  check<T>(verify: () => T): T {
    try {
      return verify();
    } catch (error) {
      if (error instanceof MembershipError)
        throw new AppError(FAULT_CODES[error.fault], `membership entry refused: ${error.fault}`);
      throw error;
    }
  }

  /** Appends a verified entry with its effect; CONFLICT when another entry took its place first. */
  async append(
    workspaceId: string,
    entry: MembershipEntry,
    effect: MembershipEffect,
    now: number,
  ): Promise<MembershipOutcome> {
    const outcome = await this.storage.appendMembership(
      workspaceId,
      { seq: entry.seq, json: JSON.stringify(entry) },
      effect,
      now,
    );
    if (outcome.kind === 'stale')
      throw new AppError('CONFLICT', 'the membership log moved on: fetch it and sign again');
    return outcome;
  }
}
