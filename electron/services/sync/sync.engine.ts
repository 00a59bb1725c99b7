import { AppError } from '../../../shared/errors';
import type { LoggedMember } from '../../../shared/people/members';
import type { Role } from '../../../shared/sync/membership';
import type { Conflict, SyncDevice, SyncStatus } from '../../../shared/sync/sync.contract';
import type { SyncConflicts } from './sync.conflicts';
import type { SyncEnrolment } from './sync.enrolment';
import type { SyncEpochs } from './sync.epochs';
import { createSyncParts, type SyncEngineOptions } from './sync.parts';
import type { SyncInbox } from './sync.inbox';
import type { SnapshotMade, SyncSnapshots } from './sync.snapshots';
import { backgroundLoop } from './sync.loop';
import type { SyncMembership } from './sync.membership';
import type { SyncOutbox } from './sync.outbox';
import { runCycle } from './sync.cycle';
import { resync } from './sync.resync';
import { SyncRevocation } from './sync.revocation';
import type { SyncSession } from './sync.session';
import { REVOKED_STATE, statusOf, type EngineState } from './sync.status';
import { integrityWarning, pullWarning, stateFor } from './sync.warnings';

export type { SyncEngineOptions } from './sync.parts';

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
  private readonly revocation: SyncRevocation;
  private impersonated = 0;
  private loopRunning = false;
  /** A non-fatal problem of the last cycle (CLOCK_SKEW, DELTA_REJECTED), shown with the idle status. */
  private warning: SyncStatus['error'] = null;
  private pendingCache: number | null = null;
  private state: EngineState = {
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
    this.revocation = new SyncRevocation({
      session: this.session,
      membership: this.membership,
      logger: options.logger,
      wipe: () => options.wipe(),
      stopping: () => {
        this.state = REVOKED_STATE;
        this.stop();
      },
      wiped: () => this.options.onStatus(this.status()),
    });
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
    if (this.session.isStopped && !this.revoked) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    const repo = this.session.repo;
    return statusOf({
      ws: this.session.workspace,
      revoked: this.revoked,
      state: this.state,
      impersonated: this.impersonated,
      integrity: () => this.inbox.integrity(),
      counts: () => ({
        pending:
          fresh || this.pendingCache === null
            ? (this.pendingCache = this.options.pipeline().pendingCount())
            : this.pendingCache,
        rejected: repo.rejectedCount(),
        quarantined: repo.quarantineCount(),
      }),
    });
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

  /** Every request goes through here: see `SyncRevocation.guard`. */
  private guard<T>(fn: () => Promise<T>): Promise<T> {
    return this.revocation.guard(fn);
  }

  private get revoked(): boolean {
    return this.revocation.revoked;
  }

  private get lockedOut(): boolean {
    return this.revocation.lockedOut;
  }

  private onRevoked(): Promise<void> {
    return this.revocation.wipeSelf();
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
    return this.membership.logged();
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
    return this.serial(async () => {
      const epoch = await this.guard(() => this.gated(() => this.epochs.rotate()));
      this.setState({});
      return { epoch: epoch ?? this.membership.state()?.epoch ?? 1 };
    });
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
    return this.serial(async () => {
      // The second cycle pulls back what the first pushed: the cursor then covers every own op.
      await this.cycleSafe();
      await this.cycleSafe();
      try {
        return await this.guard(() => this.gated(() => this.snapshots.create()));
      } finally {
        this.setState({ progress: null });
      }
    });
  }

  /** The guided re-sync after a gap or a rollback, serialised with the sync cycles. */
  resync(): Promise<SyncStatus> {
    return this.serial(async () => {
      if (this.revoked) return this.status();
      this.session.require();
      this.setState({ state: 'syncing', progress: null, error: null });
      try {
        const result = await this.guard(() =>
          this.gated(() =>
            resync({
              session: this.session,
              inbox: this.inbox,
              outbox: this.outbox,
              snapshots: this.snapshots,
              logger: this.options.logger,
            }),
          ),
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
    return this.serial(() => this.cycleSafe());
  }

  /** Runs `fn` after every cycle or operation already queued, never interleaved with them. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
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

  private cycle(): Promise<void> {
    return runCycle({
      pipeline: this.options.pipeline(),
      membership: this.membership,
      inbox: this.inbox,
      outbox: this.outbox,
      snapshots: this.snapshots,
      epochs: this.epochs,
      session: this.session,
      logger: this.options.logger,
      now: this.options.now,
      onRevoked: () => this.onRevoked(),
      rotateAfterRevocation: () => this.rotateAfterRevocation(),
      pulled: (report) => {
        this.impersonated += report.impersonation;
        this.warning = pullWarning(report);
      },
      ended: () => this.setState({ progress: null }),
    });
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
