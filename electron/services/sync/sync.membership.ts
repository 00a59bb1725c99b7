import { AppError } from '../../../shared/errors';
import type { LoggedMember } from '../../../shared/people/members';
import { fromBase64Url } from '../../../shared/sync/encoding';
import {
  appendEntry,
  MembershipError,
  nextEntry,
  verifyMembershipLog,
  type Member,
  type MembershipBody,
  type MembershipEntry,
  type MembershipState,
  type Role,
} from '../../../shared/sync/membership';
import type { SyncDevice } from '../../../shared/sync/sync.contract';
import type { Logger } from '../log/logger';
import { HEAD_MOVED, isHeadMoved, onFreshHead } from './membership.head';
import type { DeltaAuthor, DeltaAuthors } from './sync.authors';
import { MembershipRepository, type MembershipPin } from './membership.repository';
import type { SyncSession } from './sync.session';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The log's members, oldest first. */
const inJoinOrder = (state: MembershipState): Member[] =>
  [...state.members.values()].sort((a, b) => a.joinedSeq - b.joinedSeq);

/** A verification failure as the status shows it: a stable code and the fault word, nothing else. */
function invalid(error: MembershipError): AppError {
  return new AppError('MEMBERSHIP_INVALID', `the membership log does not verify (${error.fault})`);
}

/**
 * This device's copy of the workspace's signed membership log: fetched from the server, verified
 * entry by entry against the genesis hash pinned at creation or join, and stored (inside the
 * encrypted vault) only once verified. It answers who may write (the inbox's `DeltaAuthors`), who
 * the members are (names, roles, who invited and who revoked whom), and signs this device's role
 * changes and revocations. Nothing the server says about members is trusted without a signature.
 */
export class SyncMembership implements DeltaAuthors {
  readonly repo: MembershipRepository;
  private verified: MembershipState | null = null;
  private refreshing: Promise<MembershipState> | null = null;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private adopter: (() => void) | null = null;

  constructor(
    private readonly session: SyncSession,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.repo = new MembershipRepository(session.db);
  }

  /** The verified state of the stored log; null before the vault joined a workspace. */
  state(): MembershipState | null {
    if (this.verified) return this.verified;
    const pin = this.repo.pin();
    if (!pin) return null;
    try {
      const entries = this.repo.entries().map((e) => JSON.parse(e) as unknown);
      this.verified = verifyMembershipLog(entries, pin);
    } catch (error) {
      if (error instanceof MembershipError) throw invalid(error);
      throw error;
    }
    return this.verified;
  }

  /** Records the pin and the verified first entries when this vault creates or joins a workspace. */
  start(pin: MembershipPin, entries: readonly MembershipEntry[]): MembershipState {
    let state: MembershipState;
    try {
      state = verifyMembershipLog(entries, pin);
    } catch (error) {
      if (error instanceof MembershipError) throw invalid(error);
      throw error;
    }
    this.repo.start(
      pin,
      entries.map((e) => ({ seq: e.seq, json: JSON.stringify(e) })),
    );
    this.verified = state;
    return state;
  }

  /**
   * Fetches entries newer than the stored ones and verifies each against the chain; stores them only
   * if all verify. `MEMBERSHIP_INVALID` when the server sends anything the chain does not authorise
   * (sync then stops rather than act on it). Concurrent callers share one fetch.
   */
  refresh(): Promise<MembershipState> {
    this.refreshing ??= this.fetch().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Refreshes when the last fetch is older than `maxAgeMs`. A sync cycle needs no fresher view: new
   * authors make the inbox refresh (`ensure`), and a revoked device hears 403 and verifies at once.
   */
  async refreshIfOlder(maxAgeMs: number): Promise<void> {
    if (this.now() - this.refreshedAt < maxAgeMs && this.state()) return;
    await this.refresh();
  }

  private async fetch(): Promise<MembershipState> {
    let state = this.state();
    if (!state) throw new AppError('NOT_FOUND', 'This vault is not part of a workspace');
    const res = await this.session.api((api, workspaceId) => api.membership(workspaceId, state!.seq + 1));
    const fresh: { seq: number; json: string }[] = [];
    try {
      for (const entry of res.entries) {
        state = appendEntry(state, entry);
        fresh.push({ seq: entry.seq, json: JSON.stringify(entry) });
      }
    } catch (error) {
      if (!(error instanceof MembershipError)) throw error;
      this.logger.log('warn', 'sync.membershipRefused', { fault: error.fault, seq: error.seq });
      throw invalid(error);
    }
    if (fresh.length > 0) {
      this.repo.append(fresh);
      this.verified = state;
    }
    this.refreshedAt = this.now();
    // Adopt on contact: the epoch keys newer entries seal to this device (a bad wrap stops sync).
    this.adopter?.();
    return state;
  }

  /** Called after each verified fetch to adopt the epoch keys it brought (`SyncEpochs.adopt`). */
  setAdopter(adopter: () => void): void {
    this.adopter = adopter;
  }

  // ---- DeltaAuthors ----

  author(deviceId: string): DeltaAuthor | null {
    const member = this.state()?.members.get(deviceId);
    if (!member) return null;
    return {
      signPublicKey: fromBase64Url(member.device.signPublicKey),
      clockId: member.device.clockId,
      canWrite: member.role !== 'viewer',
      managesPeople: member.role === 'owner' || member.role === 'admin',
    };
  }

  async ensure(deviceIds: readonly string[]): Promise<void> {
    const state = this.state();
    if (state && deviceIds.every((id) => state.members.has(id))) return;
    // A failed fetch stops the pull before this page, as for keys: applying it would reject the
    // deltas of a member this device has not heard of yet for good, and move the cursor past them
    // (a snapshot made here would then leave them out). Only an author that a fresh, verified log
    // does not hold is rejected as unknown.
    await this.refresh();
  }

  async ensureKeys(keyIds: readonly number[]): Promise<void> {
    const held = this.session.workspace ? this.session.require().keys.workspace : null;
    if (!held || keyIds.every((id) => id === 0 || held.has(id))) return;
    // A failed fetch stops the pull before this page: applying it would reject deltas for good
    // that open once the rotation is known.
    await this.refresh();
  }

  // ---- members ----

  /** This device as the verified log records it. */
  self(): Member | null {
    const ws = this.session.workspace;
    return ws ? (this.state()?.members.get(ws.deviceId) ?? null) : null;
  }

  /** True when the verified log holds a revocation of this device (the only reason to wipe). */
  selfRevoked(): boolean {
    return this.self()?.status === 'revoked';
  }

  /** The members of the stored, verified log in join order, for owner pickers; null in no workspace. */
  logged(): LoggedMember[] | null {
    const state = this.state();
    if (!state) return null;
    const self = this.self()?.device.deviceId;
    return inJoinOrder(state).map((member) => ({
      clockId: member.device.clockId,
      deviceName: member.device.name,
      role: member.role,
      status: member.status,
      isSelf: member.device.deviceId === self,
    }));
  }

  /** Members for the sync screen, in join order. */
  list(): SyncDevice[] {
    const state = this.state();
    if (!state) return [];
    const self = this.session.workspace?.deviceId;
    const at = new Map<number, number>();
    const revokedAt = new Map<string, number>();
    for (const json of this.repo.entries()) {
      const e = JSON.parse(json) as MembershipEntry;
      at.set(e.seq, e.at);
      if (e.body.kind === 'revoke') revokedAt.set(e.body.deviceId, e.at);
    }
    const names = new Map([...state.members.values()].map((m) => [m.device.deviceId, m.device.name]));
    return inJoinOrder(state).map((m) => ({
      deviceId: m.device.deviceId,
      name: m.device.name,
      role: m.role,
      status: m.status,
      createdAt: new Date(at.get(m.joinedSeq) ?? 0).toISOString(),
      revokedAt: iso(revokedAt.get(m.device.deviceId) ?? null),
      invitedBy: m.invitedBy,
      invitedByName: m.invitedBy ? (names.get(m.invitedBy) ?? null) : null,
      revokedBy: m.revokedBy,
      revokedByName: m.revokedBy ? (names.get(m.revokedBy) ?? null) : null,
      isThisDevice: m.device.deviceId === self,
    }));
  }

  /**
   * Signs `body` on the current head and appends it at the server; when another entry got there
   * first, fetches the newer entries and signs again (`onFreshHead`). Refusals by the rules come
   * back as FORBIDDEN before anything is sent.
   */
  async publish(
    body:
      | Extract<MembershipBody, { kind: 'role' } | { kind: 'revoke' }>
      | ((state: MembershipState) => Extract<MembershipBody, { kind: 'rotate' }> | null),
  ): Promise<MembershipEntry | null> {
    return onFreshHead(async () => {
      const state = await this.refresh();
      // A builder sees the fresh state each attempt (a rotation seals to the members of that state).
      const built = typeof body === 'function' ? body(state) : body;
      if (!built) return null;
      const entry = this.sign(state, built);
      try {
        await this.session.api((api, workspaceId) => api.appendMembership(workspaceId, entry));
      } catch (error) {
        if (isHeadMoved(error)) return HEAD_MOVED;
        throw error;
      }
      await this.refresh();
      return entry;
    });
  }

  /** The signed entry for `body` after `state`; FORBIDDEN when the rules do not let this device make it. */
  sign(state: MembershipState, body: Exclude<MembershipBody, { kind: 'genesis' } | { kind: 'join' }>) {
    const { ws, keys } = this.session.require();
    try {
      return nextEntry(state, { deviceId: ws.deviceId, signSecretKey: keys.sign }, body, this.now());
    } catch (error) {
      if (error instanceof MembershipError)
        throw new AppError('FORBIDDEN', `your role does not allow this (${error.fault})`);
      throw error;
    }
  }

  async revoke(deviceId: string): Promise<void> {
    await this.publish({ kind: 'revoke', deviceId });
  }

  async setRole(deviceId: string, role: Role): Promise<void> {
    await this.publish({ kind: 'role', deviceId, role });
  }

  /** Every verified entry, parsed, in sequence order (the epoch keys are read from its rotations). */
  entries(): MembershipEntry[] {
    return this.repo.entries().map((e) => JSON.parse(e) as MembershipEntry);
  }

  /** Forgets the cached state (after a wipe or when the vault locks). */
  forget(): void {
    this.verified = null;
  }
}
