import { AppError } from '../../../shared/errors';
import type { LoggedMember } from '../../../shared/people/members';
import type { Role } from '../../../shared/sync/membership';
import type { Conflict, SyncDevice, SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import type { SyncConflicts } from './sync.conflicts';
import type { ServerConfirmation, SyncEnrolment } from './sync.enrolment';
import type { EscrowKeySource, SyncEpochs } from './sync.epochs';
import { createSyncParts } from './sync.parts';
import type { SyncInbox } from './sync.inbox';
import type { SnapshotMade, SyncSnapshots } from './sync.snapshots';
import { backgroundLoop } from './sync.loop';
import type { SyncMembership } from './sync.membership';
import type { SyncOutbox } from './sync.outbox';
import { resync } from './sync.resync';
import type { PageApplier } from './sync.inbox';
import type { SyncSession } from './sync.session';
import { integrityOf, integrityWarning, pullWarning, stateFor } from './sync.warnings';

/** How stale the membership view may be at the start of a cycle (new authors refresh it at once). */
const MEMBERSHIP_MAX_AGE_MS = 60_000;

export interface SyncEngineOptions {
  readonly db: Db;
  /** The CRM's change pipeline over the same database: the only way sync reads or writes CRM data. */
  readonly pipeline: () => ChangePipeline;
  readonly logger: Logger;
  readonly now: () => number;
  /** Every status change (the module forwards it as `sync.statusChanged`). */
  readonly onStatus: (status: SyncStatus) => void;
  /** Called once the verified membership log holds this device's revocation: destroys the vault. */
  readonly wipe: () => Promise<void>;
  /** Main's own confirmation of a server origin the user typed (never the renderer's). */
  readonly confirmation: ServerConfirmation;
  /** Sync in the background with long-poll and backoff (the app); tests drive `syncNow` themselves. */
  readonly autoSync: boolean;
  /** Drift guard tolerance (tests may lower it). */
  readonly maxDriftMs?: number;
  /** IT policy's escrow public key, which also receives every new epoch key (issue 12). */
  readonly escrowKey?: EscrowKeySource;
  /** Holds each cycle's vault writes out of a database worker's write transaction (an import). */
  readonly writeGate?: { shared<T>(fn: () => Promise<T>): Promise<T> };
  /** Applies pulled pages; the app's run on a database worker thread (default: inline, on `db`). */
  readonly pages?: PageApplier;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', 'Sync failed unexpectedly', { cause: error });
}

/**
 * The sync loop over one open vault: runs cycles (pull through the inbox, then push through the
 * outbox) one at a time, keeps the status, backs off when the server is away, and wipes the vault
 * only when the verified membership log holds this device's revocation: a server's bare refusal
 * (403 DEVICE_REVOKED) without one locks sync out but keeps every record and pending edit. Workspace
 * set-up, members and conflicts are parts of their own; this class routes to them and keeps every
 * request behind that guard.
 */
export class SyncEngine {
  private readonly session: SyncSession;
  private readonly enrolment: SyncEnrolment;
  private readonly membership: SyncMembership;
  private readonly conflictsPart: SyncConflicts;
  private readonly inbox: SyncInbox;
  private readonly outbox: SyncOutbox;
  private readonly epochs: SyncEpochs;
  private readonly snapshots: SyncSnapshots;
  private chain: Promise<unknown> = Promise.resolve();
  private revoked = false;
  /** The server refused this device without a verified revocation: data kept, retries go on. */
  private lockedOut = false;
  private impersonated = 0;
  private loopRunning = false;
  /** A non-fatal problem of the last cycle (CLOCK_SKEW, DELTA_REJECTED), shown with the idle status. */
  private warning: SyncStatus['error'] = null;
  private pendingCache: number | null = null;
  private state: Pick<SyncStatus, 'state' | 'progress' | 'nextRetryAt' | 'error'> = {
    state: 'not_configured',
    progress: null,
    nextRetryAt: null,
    error: null,
  };

  constructor(private readonly options: SyncEngineOptions) {
    const parts = createSyncParts(options, (progress) => this.setState({ state: 'syncing', progress }));
    ({
      session: this.session,
      enrolment: this.enrolment,
      membership: this.membership,
      conflicts: this.conflictsPart,
      inbox: this.inbox,
      outbox: this.outbox,
      epochs: this.epochs,
      snapshots: this.snapshots,
    } = parts);
    if (this.session.workspace) this.state = { ...this.state, state: 'idle' };
  }

  /** Starts background sync when configured and enabled. */
  start(): void {
    if (this.options.autoSync && this.session.workspace && !this.loopRunning && !this.session.isStopped) {
      this.loopRunning = true;
      void this.loop();
    }
  }

  /** Stops background work, aborts requests in flight, zeroes keys. Safe to call twice. */
  stop(): void {
    this.session.stop();
  }

  // ---- status ----

  /**
   * The current status. `fresh` recounts pending changes; progress events during a sync reuse the
   * last count (counting scans the op log, which a bootstrap makes large).
   */
  status(fresh = true): SyncStatus {
    const ws = this.session.workspace;
    if (this.session.isStopped && !this.revoked) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    const repo = this.session.repo;
    const integrity: SyncStatus['integrity'] =
      this.revoked || !ws
        ? { state: 'ok', devices: [], detectedAt: null }
        : integrityOf(this.inbox.integrity());
    const counts = this.revoked
      ? { pending: 0, rejected: 0, quarantined: 0 }
      : {
          pending:
            fresh || this.pendingCache === null
              ? (this.pendingCache = this.options.pipeline().pendingCount())
              : this.pendingCache,
          rejected: repo.rejectedCount(),
          quarantined: repo.quarantineCount(),
        };
    return {
      state: ws || this.revoked ? this.state.state : 'not_configured',
      workspaceId: ws?.workspaceId ?? null,
      pending: counts.pending,
      lastSyncAt: iso(ws?.lastSyncAt ?? null),
      progress: this.state.progress,
      nextRetryAt: this.state.nextRetryAt,
      error: this.state.error,
      rejectedDeltas: counts.rejected,
      quarantinedOps: counts.quarantined,
      integrity,
      impersonatedOps: this.impersonated,
    };
  }

  private setState(patch: Partial<SyncEngine['state']>): void {
    this.state = { ...this.state, ...patch };
    try {
      this.options.onStatus(this.status(this.state.state !== 'syncing'));
    } catch (error) {
      this.options.logger.log('warn', 'sync.statusFailed', { code: toAppError(error).code });
    }
  }

  // ---- revocation ----

  /**
   * Every request goes through here. A DEVICE_REVOKED answer is only a claim: the device fetches the
   * signed membership log (revoked devices may still read it) and wipes itself only if the verified
   * log holds its revocation. Otherwise (a lying server, a proxy, a forged 403) it is locked out:
   * nothing is deleted, the status says so, and retries go on.
   */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.lockedOut = false;
      return result;
    } catch (error) {
      const e = toAppError(error);
      if (e.code !== 'DEVICE_REVOKED') throw e;
      if (await this.verifiedRevocation()) {
        await this.onRevoked();
        throw e;
      }
      this.lockedOut = true;
      this.options.logger.log('warn', 'sync.lockedOut', {
        deviceId: this.session.workspace?.deviceId ?? null,
      });
      throw new AppError(
        'SYNC_LOCKED_OUT',
        'The server refuses this device, but no signed revocation exists; your data and edits are kept',
      );
    }
  }

  /** True when the freshly fetched, verified membership log revokes this device. */
  private async verifiedRevocation(): Promise<boolean> {
    try {
      await this.membership.refresh();
    } catch (error) {
      this.options.logger.log('warn', 'sync.revocationUnverified', { code: toAppError(error).code });
    }
    try {
      return this.membership.selfRevoked();
    } catch {
      return false;
    }
  }

  private async onRevoked(): Promise<void> {
    if (this.revoked) return;
    this.revoked = true;
    this.options.logger.log('warn', 'sync.deviceRevoked', {
      deviceId: this.session.workspace?.deviceId ?? null,
    });
    this.state = {
      state: 'error',
      progress: null,
      nextRetryAt: null,
      error: {
        code: 'DEVICE_REVOKED',
        message: 'This device was revoked (signed by an admin): its vault has been wiped',
      },
    };
    this.stop();
    try {
      await this.options.wipe();
    } finally {
      this.session.forget();
      this.membership.forget();
      this.options.onStatus(this.status());
    }
  }

  // ---- workspace, invites, devices, conflicts ----

  async createWorkspace(
    serverUrl: string,
    name: string,
    options: { deviceName?: string; enrolmentCode?: string; managed: boolean },
  ) {
    const result = await this.enrolment.createWorkspace(serverUrl, name, options);
    this.options.logger.log('info', 'sync.workspaceCreated', result);
    this.setState({ state: 'idle' });
    this.start();
    return result;
  }

  createInvite(ttlHours: number, role: Role) {
    return this.guard(() => this.enrolment.createInvite(ttlHours, role));
  }

  async acceptInvite(code: string, options: { deviceName?: string; managed: boolean }) {
    const result = await this.enrolment.acceptInvite(code, options);
    this.options.logger.log('info', 'sync.joined', result);
    this.setState({ state: 'idle' });
    // Bootstrap: pull the whole log in the background, with progress events (failures land in the status).
    this.syncNow().catch(() => undefined);
    this.start();
    return result;
  }

  /** Members as the verified log describes them (fetched fresh when the server answers). */
  async devices(): Promise<SyncDevice[]> {
    try {
      await this.guard(() => this.membership.refresh());
    } catch (error) {
      // Offline, locked out, or entries that do not verify (refused, and reported by the status):
      // the last verified list is still the truth.
      this.options.logger.log('warn', 'sync.membersStale', { code: toAppError(error).code });
    }
    return this.membership.list();
  }

  /**
   * The members of the stored, verified log (no fetch), for owner pickers and filters: null when
   * this vault is in no workspace. Throws MEMBERSHIP_INVALID when the stored log does not verify.
   */
  loggedMembers(): LoggedMember[] | null {
    const state = this.membership.state();
    if (!state) return null;
    const self = this.membership.self()?.device.deviceId;
    return [...state.members.values()]
      .sort((a, b) => a.joinedSeq - b.joinedSeq)
      .map((m) => ({
        clockId: m.device.clockId,
        deviceName: m.device.name,
        role: m.role,
        status: m.status,
        isSelf: m.device.deviceId === self,
      }));
  }

  private member(deviceId: string): SyncDevice {
    const device = this.membership.list().find((d) => d.deviceId === deviceId);
    if (!device) throw new AppError('NOT_FOUND', 'No such device in this workspace');
    return device;
  }

  async revokeDevice(deviceId: string): Promise<SyncDevice> {
    await this.guard(() => this.membership.revoke(deviceId));
    this.options.logger.log('info', 'sync.deviceRevokedByUs', { deviceId });
    const device = this.member(deviceId);
    // Leaving: this device signed its own revocation, so it wipes itself like any revoked device.
    if (device.isThisDevice) await this.onRevoked();
    else await this.rotateAfterRevocation();
    return device;
  }

  /**
   * Right after this device revoked another: key N+1 for everyone left. When it fails (offline, a
   * lost race), the next cycle tries again while the verified log says a rotation is due.
   */
  private async rotateAfterRevocation(): Promise<void> {
    try {
      await this.guard(() => this.epochs.rotate({ onlyIfDue: true }));
    } catch (error) {
      this.options.logger.log('warn', 'sync.rotationDeferred', { code: toAppError(error).code });
    }
  }

  /** `sync.rotateKey`: a new workspace key epoch now (owners and admins), serialised with the cycles. */
  rotateKey(): Promise<{ epoch: number }> {
    const run = this.chain.then(async () => {
      const epoch = await this.guard(() => this.gated(() => this.epochs.rotate()));
      this.setState({});
      return { epoch: epoch ?? this.membership.state()?.epoch ?? 1 };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async setRole(deviceId: string, role: Role): Promise<SyncDevice> {
    await this.guard(() => this.membership.setRole(deviceId, role));
    this.options.logger.log('info', 'sync.roleChanged', { deviceId, role });
    return this.member(deviceId);
  }

  /**
   * `sync.snapshot`: syncs, then compacts everything up to the cursor into an encrypted snapshot
   * (owners and admins), serialised with the cycles.
   */
  createSnapshot(): Promise<SnapshotMade> {
    const run = this.chain.then(async () => {
      // The second cycle pulls back what the first pushed: the cursor then covers every own op.
      await this.cycleSafe();
      await this.cycleSafe();
      try {
        return await this.guard(() => this.gated(() => this.snapshots.create()));
      } finally {
        this.setState({ progress: null });
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The guided re-sync after a gap or a rollback, serialised with the sync cycles. */
  resync(): Promise<SyncStatus> {
    const run = this.chain.then(async () => {
      if (this.revoked) return this.status();
      this.session.require();
      this.setState({ state: 'syncing', progress: null, error: null });
      try {
        const result = await this.guard(() =>
          this.gated(() => resync({ session: this.session, inbox: this.inbox, outbox: this.outbox })),
        );
        this.options.logger.log('info', 'sync.resynced', {
          resent: result.resent,
          state: result.integrity.state,
        });
        this.setState({
          state: this.lockedOut ? 'locked_out' : 'idle',
          progress: null,
          error: integrityWarning(result.integrity),
        });
      } catch (error) {
        const e = toAppError(error);
        if (this.revoked) return this.status();
        this.setState({
          state: stateFor(e),
          progress: null,
          error: { code: e.code, message: e.message },
        });
        throw e;
      }
      return this.status();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  conflicts(): Conflict[] {
    if (this.session.isStopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    return this.conflictsPart.list();
  }

  resolveConflict(conflictId: string, keep: 'current' | 'other'): { conflictId: string } {
    if (this.session.isStopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    const result = this.conflictsPart.resolve(conflictId, keep, this.options.now());
    this.setState({});
    return result;
  }

  // ---- the sync cycle ----

  /**
   * Pulls new deltas and pushes pending changes now (after any cycle already running). Rejects with
   * the failure (SYNC_OFFLINE, …), which is also in the status.
   */
  syncNow(): Promise<SyncStatus> {
    const run = this.chain.then(() => this.cycleSafe());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async cycleSafe(): Promise<SyncStatus> {
    if (this.revoked) return this.status();
    this.session.require();
    try {
      this.warning = null;
      await this.guard(() => this.gated(() => this.cycle()));
      this.setState({ state: 'idle', progress: null, nextRetryAt: null, error: this.warning });
    } catch (error) {
      const e = toAppError(error);
      if (this.revoked) return this.status();
      if (this.session.isStopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
      this.options.logger.log('warn', 'sync.failed', { code: e.code });
      this.setState({ state: stateFor(e), progress: null, error: { code: e.code, message: e.message } });
      throw e;
    }
    return this.status();
  }

  private async cycle(): Promise<void> {
    // The members first: who may write, and whether a verified revocation of this device exists.
    await this.membership.refreshIfOlder(MEMBERSHIP_MAX_AGE_MS);
    if (this.membership.selfRevoked()) {
      await this.onRevoked();
      throw new AppError('DEVICE_REVOKED', 'This device was revoked (signed by an admin)');
    }
    this.epochs.adopt();
    if (this.epochs.rotationDueByUs()) await this.rotateAfterRevocation();
    // A vault that has pulled nothing yet starts from the committed snapshot, then pulls the tail.
    if (this.session.require().ws.cursor === 0) await this.snapshots.bootstrap();
    const report = await this.pullOrRebootstrap();
    this.impersonated += report.impersonation;
    if (report.impersonation > 0)
      this.options.logger.log('warn', 'sync.impersonation', { ops: report.impersonation });
    if (report.skewed > 0) this.options.logger.log('warn', 'sync.clockSkew', { quarantined: report.skewed });
    this.warning = pullWarning(report);
    await this.outbox.push();
    this.session.repo.setLastSync(this.options.now());
    this.session.refresh();
    await this.settleErasure();
  }

  /**
   * The server side of `privacy.erasePerson` (issue 12 item 3), owed since the local erase and done
   * at the first contact of an owner or admin device: a snapshot without the erased person (their
   * op-log values are gone, so the snapshot leaves them out), the deltas it supersedes deleted from
   * the server by a signed compaction, and a new key epoch. Waits while own ops are unpushed (the
   * snapshot must cover the erase); any failure leaves it owed for the next cycle.
   */
  private async settleErasure(): Promise<void> {
    const owed = this.options.pipeline().erasureOwed();
    if (owed === null) return;
    const self = this.membership.self();
    if (!self || self.status !== 'active' || (self.role !== 'owner' && self.role !== 'admin')) return;
    if (this.options.pipeline().pendingCount() > 0) return;
    try {
      // Pull back what the push just sent: the cursor then covers every own op, the erase's too.
      await this.inbox.pull();
      const made = await this.snapshots.create();
      const compacted = await this.snapshots.compact(made);
      const epoch = await this.epochs.rotate();
      this.options.pipeline().settleErasure(owed);
      this.options.logger.log('info', 'sync.erasureSettled', {
        seq: compacted.compactedSeq,
        deleted: compacted.deleted,
        epoch: epoch ?? 0,
      });
    } catch (error) {
      if (this.session.isStopped) throw error;
      this.options.logger.log('warn', 'sync.erasureDeferred', { code: toAppError(error).code });
    } finally {
      this.setState({ progress: null });
    }
  }

  /**
   * Pulls; when the server compacted the deltas after the cursor (LOG_COMPACTED: this device was
   * offline while an admin compacted), bootstraps from the committed snapshot instead of reporting
   * a gap, then pulls the tail. Local pending edits are untouched and pushed by the cycle.
   */
  private async pullOrRebootstrap(): Promise<Awaited<ReturnType<SyncInbox['pull']>>> {
    try {
      return await this.inbox.pull();
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'LOG_COMPACTED') throw error;
      this.options.logger.log('info', 'sync.rebootstrap', { cursor: this.session.require().ws.cursor });
      await this.snapshots.bootstrap({ compacted: true });
      return this.inbox.pull();
    }
  }

  private gated<T>(fn: () => Promise<T>): Promise<T> {
    return this.options.writeGate ? this.options.writeGate.shared(fn) : fn();
  }

  // ---- background loop ----

  private loop(): Promise<void> {
    return backgroundLoop({
      session: this.session,
      pipeline: this.options.pipeline,
      syncNow: () => this.syncNow(),
      guard: (fn) => this.guard(fn),
      finished: () => this.session.isStopped || this.revoked,
      onRetry: (e, delay) =>
        this.setState({
          state: stateFor(e),
          nextRetryAt: new Date(this.options.now() + delay).toISOString(),
          error: { code: e.code, message: e.message },
        }),
    }).finally(() => {
      this.loopRunning = false;
    });
  }
}
