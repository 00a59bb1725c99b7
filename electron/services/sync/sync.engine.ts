import { AppError } from '../../../shared/errors';
import type { Conflict, SyncDevice, SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import { SyncConflicts } from './sync.conflicts';
import { SyncDevices } from './sync.devices';
import { SyncEnrolment } from './sync.enrolment';
import { SyncInbox } from './sync.inbox';
import { SyncOutbox } from './sync.outbox';
import { SyncSession } from './sync.session';

export { checkServerUrl } from './sync.enrolment';

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Long-poll wait between automatic syncs; local edits wait at most this long to be pushed. */
const IDLE_WAIT_MS = 10_000;
/** How often the idle loop looks for local edits to push. */
const LOCAL_POLL_MS = 1_000;

export interface SyncEngineOptions {
  readonly db: Db;
  /** The CRM's change pipeline over the same database: the only way sync reads or writes CRM data. */
  readonly pipeline: () => ChangePipeline;
  readonly logger: Logger;
  readonly now: () => number;
  /** Every status change (the module forwards it as `sync.statusChanged`). */
  readonly onStatus: (status: SyncStatus) => void;
  /** Called once after the server answered DEVICE_REVOKED: destroys the vault. */
  readonly wipe: () => Promise<void>;
  /** Sync in the background with long-poll and backoff (the app); tests drive `syncNow` themselves. */
  readonly autoSync: boolean;
  /** Drift guard tolerance (tests may lower it). */
  readonly maxDriftMs?: number;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', 'Sync failed unexpectedly', { cause: error });
}

/**
 * The sync loop over one open vault: runs cycles (pull through the inbox, then push through the
 * outbox) one at a time, keeps the status, backs off when the server is away, and wipes the vault
 * when the server says this device was revoked. Workspace set-up, devices and conflicts are parts of
 * their own; this class only routes to them and keeps every request behind the revocation guard.
 */
export class SyncEngine {
  private readonly session: SyncSession;
  private readonly enrolment: SyncEnrolment;
  private readonly devicesPart: SyncDevices;
  private readonly conflictsPart: SyncConflicts;
  private readonly inbox: SyncInbox;
  private readonly outbox: SyncOutbox;
  private chain: Promise<unknown> = Promise.resolve();
  private revoked = false;
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
    this.session = new SyncSession(options.db, options.now);
    this.enrolment = new SyncEnrolment(this.session, options.pipeline().deviceId, options.now);
    this.devicesPart = new SyncDevices(this.session);
    this.conflictsPart = new SyncConflicts(this.session.repo, options.pipeline, options.logger);
    const onProgress = (progress: NonNullable<SyncStatus['progress']>) =>
      this.setState({ state: 'syncing', progress });
    this.inbox = new SyncInbox(this.session, options.pipeline, this.conflictsPart, {
      logger: options.logger,
      now: options.now,
      maxDriftMs: options.maxDriftMs,
      onProgress,
    });
    this.outbox = new SyncOutbox(this.session, options.pipeline, { now: options.now, onProgress });
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

  /** Every request that meets DEVICE_REVOKED goes through here: the device wipes itself. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const e = toAppError(error);
      if (e.code === 'DEVICE_REVOKED') await this.onRevoked();
      throw e;
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
      error: { code: 'DEVICE_REVOKED', message: 'This device was revoked: its vault has been wiped' },
    };
    this.stop();
    try {
      await this.options.wipe();
    } finally {
      this.session.forget();
      this.options.onStatus(this.status());
    }
  }

  // ---- workspace, invites, devices, conflicts ----

  async createWorkspace(serverUrl: string, name: string, enrolmentCode?: string) {
    const result = await this.enrolment.createWorkspace(serverUrl, name, enrolmentCode);
    this.options.logger.log('info', 'sync.workspaceCreated', result);
    this.setState({ state: 'idle' });
    this.start();
    return result;
  }

  createInvite(ttlHours: number) {
    return this.guard(() => this.enrolment.createInvite(ttlHours));
  }

  async acceptInvite(code: string) {
    const result = await this.enrolment.acceptInvite(code);
    this.options.logger.log('info', 'sync.joined', result);
    this.setState({ state: 'idle' });
    // Bootstrap: pull the whole log in the background, with progress events (failures land in the status).
    this.syncNow().catch(() => undefined);
    this.start();
    return result;
  }

  devices(): Promise<SyncDevice[]> {
    return this.guard(() => this.devicesPart.list());
  }

  async revokeDevice(deviceId: string): Promise<SyncDevice> {
    const device = await this.guard(() => this.devicesPart.revoke(deviceId));
    this.options.logger.log('info', 'sync.deviceRevokedByUs', { deviceId });
    return device;
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
      await this.guard(() => this.cycle());
      this.setState({ state: 'idle', progress: null, nextRetryAt: null, error: this.warning });
    } catch (error) {
      const e = toAppError(error);
      if (this.revoked) return this.status();
      if (this.session.isStopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
      this.options.logger.log('warn', 'sync.failed', { code: e.code });
      this.setState({
        state: e.code === 'SYNC_OFFLINE' ? 'offline' : 'error',
        progress: null,
        error: { code: e.code, message: e.message },
      });
      throw e;
    }
    return this.status();
  }

  private async cycle(): Promise<void> {
    const report = await this.inbox.pull();
    if (report.skewed > 0) {
      this.options.logger.log('warn', 'sync.clockSkew', { quarantined: report.skewed });
      this.warning = {
        code: 'CLOCK_SKEW',
        message: `${report.skewed} op(s) stamped too far ahead were quarantined`,
      };
    }
    if (report.rejected > 0) {
      this.warning = {
        code: 'DELTA_REJECTED',
        message: `${report.rejected} delta(s) failed to authenticate or apply and were skipped`,
      };
    }
    await this.outbox.push();
    this.session.repo.setLastSync(this.options.now());
    this.session.refresh();
  }

  // ---- background loop ----

  /**
   * Long-polls the server for new deltas; returns early when the local op log grows (an edit to
   * push), checked cheaply by its largest seq every second.
   */
  private async waitForChanges(): Promise<void> {
    const { ws } = this.session.require();
    const local = new AbortController();
    const pipeline = this.options.pipeline();
    const startSeq = pipeline.maxSeq();
    const timer = setInterval(() => {
      try {
        if (pipeline.maxSeq() !== startSeq) local.abort();
      } catch {
        local.abort();
      }
    }, LOCAL_POLL_MS);
    try {
      await this.session.api((api, workspaceId) => api.wait(workspaceId, ws.cursor, IDLE_WAIT_MS), {
        timeoutMs: IDLE_WAIT_MS + 5_000,
        signal: local.signal,
      });
    } catch (error) {
      if (!local.signal.aborted) throw error;
    } finally {
      clearInterval(timer);
    }
  }

  private async loop(): Promise<void> {
    let backoff = 0;
    const signal = this.session.abort.signal;
    while (!this.session.isStopped && !this.revoked) {
      try {
        await this.syncNow();
        backoff = 0;
        await this.guard(() => this.waitForChanges());
      } catch (error) {
        if (this.session.isStopped || this.revoked) break;
        const e = toAppError(error);
        backoff = Math.min(BACKOFF_MAX_MS, backoff === 0 ? BACKOFF_MIN_MS : backoff * 2);
        // Jitter so a fleet of laptops waking together does not stampede the server.
        const delay = Math.round(backoff * (0.75 + Math.random() * 0.5));
        this.setState({
          state: e.code === 'SYNC_OFFLINE' ? 'offline' : 'error',
          nextRetryAt: new Date(this.options.now() + delay).toISOString(),
          error: { code: e.code, message: e.message },
        });
        await sleep(delay, signal);
      }
    }
    this.loopRunning = false;
  }
}
