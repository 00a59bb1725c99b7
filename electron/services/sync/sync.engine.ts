import type { z } from 'zod';
import { randomBytes } from '@noble/hashes/utils.js';
import { formatHlc, MAX_DRIFT_MS, parseHlc } from '../../../shared/domain/hlc';
import { uuidv7 } from '../../../shared/domain/ids';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url } from '../../../shared/sync/encoding';
import { EnvelopeError, generateWorkspaceKey, openDelta, sealDelta } from '../../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  formatInviteCode,
  parseInviteCode,
  signInviteAcceptance,
  unwrapWorkspaceKey,
  wrapWorkspaceKey,
} from '../../../shared/sync/invite';
import {
  SYNC_LIMITS,
  type DeviceInfo,
  type PulledDelta,
  type pullResponseSchema,
} from '../../../shared/sync/protocol';
import type { Conflict, SyncDevice, SyncStatus } from '../../../shared/sync/sync.contract';
import { crmClock } from '../crm/crm.clock';
import { CrmMerge, invalidReason, type DetectedConflict, type RemoteRow } from '../crm/crm.merge';
import { MetaRepository } from '../crm/meta.repository';
import { OpLogRepository } from '../crm/oplog.repository';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import { decodeDelta, encodeDelta, ROWS_PER_DELTA } from './sync.delta';
import { fetchTransport } from './sync.http';
import { SyncApiClient, type SigningDevice } from '../../../shared/sync/sync.client';
import { SyncRepository, type ConflictRow, type KeyRow, type WorkspaceRow } from './sync.repository';

/** Deltas sealed per round and at most pushed per request (the server takes up to 100 and 8 MiB). */
const DELTAS_PER_PUSH = 20;
/** Envelope bytes per push request: 5 MiB, so 4/3 of it in base64 plus JSON stays under 8 MiB. */
const PUSH_MAX_ENVELOPE_BYTES = 5 * 1024 * 1024;
/** Plaintext budget per delta (worst case: every character three UTF-8 bytes), under the 4 MiB envelope limit. */
const DELTA_MAX_PLAINTEXT = 2 * 1024 * 1024;
/** Deltas requested per pull page (the server also stops a page at 4 MiB). */
const PULL_PAGE = SYNC_LIMITS.maxPageSize;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Long-poll wait between automatic syncs; local edits wait at most this long to be pushed. */
const IDLE_WAIT_MS = 10_000;
/** How often the idle loop looks for local edits to push. */
const LOCAL_POLL_MS = 1_000;
/** Page cache while bootstrapping (a large log into an empty vault), then back to the store default. */
const BOOTSTRAP_CACHE_KIB = 256 * 1024;
/** WAL size between automatic checkpoints while bootstrapping (default 4 MiB). */
const BOOTSTRAP_CHECKPOINT_BYTES = 80 * 1024 * 1024;

export interface SyncEngineOptions {
  readonly db: Db;
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

interface LiveKeys {
  sign: Uint8Array;
  workspace: Map<number, Uint8Array>;
}

type Phase = NonNullable<SyncStatus['progress']>['phase'];

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

/**
 * Threat model 5: TLS to the server; plain HTTP only to loopback. Deltas are end-to-end encrypted
 * anyway, but request signatures, device ids and timing should not cross a network in clear.
 */
export function checkServerUrl(serverUrl: string): void {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new AppError('VALIDATION', 'The server URL is not valid');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AppError('VALIDATION', 'The server URL must not carry credentials, a query or a fragment');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && loopback) return;
  throw new AppError('VALIDATION', 'The server URL must use https (plain http only on this computer)');
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', 'Sync failed unexpectedly', { cause: error });
}

/**
 * The client sync engine over one open vault database: workspace and invites, the outbox (pending ops
 * batched into sealed deltas with client-chosen ids), the puller (pages since the cursor, authenticated,
 * decrypted and merged in one transaction per page, the cursor moving in the same commit), the drift
 * guard, conflicts, backoff, and self-wipe on revocation. Keys live in `sync_keys` inside the vault and
 * in memory only while unlocked; `stop()` zeroes them.
 */
export class SyncEngine {
  private readonly repo: SyncRepository;
  private readonly oplog: OpLogRepository;
  private readonly merge: CrmMerge;
  /** The CRM's device id: the HLC tie-break in every local op. */
  private readonly crmDeviceId: string;
  private readonly abort = new AbortController();
  private keys: LiveKeys | null = null;
  /** Server clock minus ours, learned from the server's CLOCK_SKEW answers (see `call`). */
  private clockOffsetMs = 0;
  private workspace: WorkspaceRow | null;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
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
    const db = options.db;
    this.repo = new SyncRepository(db);
    this.oplog = new OpLogRepository(db);
    this.merge = new CrmMerge(db);
    this.crmDeviceId = new MetaRepository(db).getOrInit('deviceId', () => toBase64Url(randomBytes(9)));
    this.workspace = this.repo.workspace();
    if (this.workspace) {
      this.loadKeys();
      this.state = { ...this.state, state: 'idle' };
    }
  }

  /**
   * This device's id at the server: the CRM device id plus a random suffix (server ids are 16-64
   * characters). Pulled rows must carry an HLC whose device id is the pusher's prefix, so no member
   * can push ops in another device's name.
   */
  private newSyncDeviceId(): string {
    return `${this.crmDeviceId}-${toBase64Url(randomBytes(6))}`;
  }

  private get deviceId(): string {
    if (!this.workspace) throw new AppError('NOT_FOUND', 'This vault is not part of a workspace');
    return this.workspace.deviceId;
  }

  /** Starts background sync when configured and enabled. */
  start(): void {
    if (this.options.autoSync && this.workspace && !this.loopRunning && !this.stopped) {
      this.loopRunning = true;
      void this.loop();
    }
  }

  /** Stops background work, aborts requests in flight, zeroes keys. Safe to call twice. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.zeroKeys();
  }

  // ---- status ----

  /**
   * The current status. `fresh` recounts pending ops; progress events during a sync reuse the last
   * count (counting scans the op log, which a bootstrap makes large).
   */
  status(fresh = true): SyncStatus {
    const ws = this.workspace;
    if (this.stopped && !this.revoked) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    const counts = this.revoked
      ? { pending: 0, rejected: 0, quarantined: 0 }
      : {
          pending:
            fresh || this.pendingCache === null
              ? (this.pendingCache = this.repo.pendingCount())
              : this.pendingCache,
          rejected: this.repo.rejectedCount(),
          quarantined: this.repo.quarantineCount(),
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

  // ---- keys ----

  private loadKeys(): void {
    const rows = this.repo.keys();
    const live: LiveKeys = { sign: new Uint8Array(0), workspace: new Map() };
    for (const row of rows) {
      if (row.kind === 'sign') live.sign = new Uint8Array(row.secret);
      else if (row.kind === 'workspace') live.workspace.set(row.keyId, new Uint8Array(row.secret));
      row.secret.fill(0);
    }
    this.keys = live;
  }

  private zeroKeys(): void {
    if (!this.keys) return;
    this.keys.sign.fill(0);
    for (const k of this.keys.workspace.values()) k.fill(0);
    this.keys = null;
  }

  private requireWorkspace(): { ws: WorkspaceRow; keys: LiveKeys } {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    if (!this.workspace || !this.keys)
      throw new AppError('NOT_FOUND', 'This vault is not part of a workspace');
    return { ws: this.workspace, keys: this.keys };
  }

  /**
   * Runs one exchange with the sync server through a signed `SyncApiClient`: as this device (the
   * vault must be unlocked) or as a device still joining. The server clock offset a `CLOCK_SKEW`
   * answer taught the client is kept for every later request, so a laptop whose clock is off still
   * syncs. `wait` adds a long-poll's own timeout and cancellation.
   */
  private async call<T>(
    serverUrl: string,
    fn: (api: SyncApiClient) => Promise<T>,
    options: { joining?: SigningDevice; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    let device = options.joining;
    if (!device) {
      const key = this.keys?.sign;
      if (!key || this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
      device = { deviceId: this.deviceId, signSecretKey: key };
    }
    const base = this.clockOffsetMs;
    const api = new SyncApiClient(
      serverUrl,
      fetchTransport({
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        signals: [this.abort.signal, ...(options.signal ? [options.signal] : [])],
      }),
      device,
      () => this.options.now() + base,
    );
    try {
      return await fn(api);
    } finally {
      if (api.clockOffsetMs !== 0) this.clockOffsetMs = base + api.clockOffsetMs;
    }
  }

  /** `call` against this workspace's server. */
  private api<T>(
    fn: (api: SyncApiClient, workspaceId: string) => Promise<T>,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { ws } = this.requireWorkspace();
    return this.call(ws.serverUrl, (api) => fn(api, ws.workspaceId), options);
  }

  private latestWorkspaceKey(keys: LiveKeys): { keyId: number; key: Uint8Array } {
    const ids = [...keys.workspace.keys()].sort((a, b) => b - a);
    const keyId = ids[0];
    if (keyId === undefined) throw new AppError('KEY_MISSING', 'The workspace key is missing');
    return { keyId, key: keys.workspace.get(keyId)! };
  }

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
    this.options.logger.log('warn', 'sync.deviceRevoked', { deviceId: this.workspace?.deviceId ?? null });
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
      this.workspace = null;
      this.options.onStatus(this.status());
    }
  }

  // ---- workspace and invites ----

  private requireUnconfigured(): void {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    if (this.workspace) throw new AppError('CONFLICT', 'This vault already belongs to a workspace');
  }

  async createWorkspace(
    serverUrl: string,
    name: string,
    enrolmentCode?: string,
  ): Promise<{ workspaceId: string; deviceId: string }> {
    this.requireUnconfigured();
    checkServerUrl(serverUrl);
    const device = generateDeviceKeys();
    const wsKey = generateWorkspaceKey(1);
    const workspaceId = randomId();
    const deviceId = this.newSyncDeviceId();
    try {
      await this.call(
        serverUrl,
        (api) =>
          api.createWorkspace(
            workspaceId,
            {
              deviceId,
              signPublicKey: toBase64Url(device.signPublicKey),
              boxPublicKey: toBase64Url(device.boxPublicKey),
            },
            enrolmentCode,
          ),
        { joining: { deviceId, signSecretKey: device.signSecretKey } },
      );
      this.saveWorkspace({ workspaceId, deviceId, serverUrl, name }, device, wsKey);
    } finally {
      device.signSecretKey.fill(0);
      device.boxSecretKey.fill(0);
      wsKey.key.fill(0);
    }
    this.options.logger.log('info', 'sync.workspaceCreated', { workspaceId, deviceId });
    this.setState({ state: 'idle' });
    this.start();
    return { workspaceId, deviceId };
  }

  private saveWorkspace(
    ws: { workspaceId: string; deviceId: string; serverUrl: string; name: string | null },
    device: ReturnType<typeof generateDeviceKeys>,
    wsKey: { keyId: number; key: Uint8Array },
  ): void {
    const rows: KeyRow[] = [
      {
        kind: 'sign',
        keyId: 0,
        secret: Buffer.from(device.signSecretKey),
        public: Buffer.from(device.signPublicKey),
      },
      {
        kind: 'box',
        keyId: 0,
        secret: Buffer.from(device.boxSecretKey),
        public: Buffer.from(device.boxPublicKey),
      },
      { kind: 'workspace', keyId: wsKey.keyId, secret: Buffer.from(wsKey.key), public: null },
    ];
    try {
      this.repo.saveWorkspace(ws, rows, this.options.now());
    } finally {
      for (const r of rows) r.secret.fill(0);
    }
    this.workspace = this.repo.workspace();
    this.loadKeys();
  }

  async createInvite(ttlHours: number): Promise<{ code: string; inviteId: string; expiresAt: string }> {
    const { ws, keys } = this.requireWorkspace();
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapKey = deriveInviteWrapKey(secret, inviteId, ws.workspaceId);
    const auth = deriveInviteAuthKey(secret, inviteId);
    try {
      const wrapped = wrapWorkspaceKey(this.latestWorkspaceKey(keys), wrapKey, inviteId, ws.workspaceId);
      const expiresAt = this.options.now() + ttlHours * 3600_000;
      const res = await this.guard(() =>
        this.api((api, workspaceId) =>
          api.createInvite(workspaceId, {
            inviteId,
            wrappedKey: toBase64Url(wrapped),
            authPublicKey: toBase64Url(auth.publicKey),
            expiresAt,
          }),
        ),
      );
      const code = formatInviteCode({ serverUrl: ws.serverUrl, inviteId, secret });
      return { code, inviteId, expiresAt: new Date(res.expiresAt).toISOString() };
    } finally {
      wrapKey.fill(0);
      auth.secretKey.fill(0);
      secret.fill(0);
    }
  }

  async acceptInvite(codeText: string): Promise<{ workspaceId: string; deviceId: string }> {
    this.requireUnconfigured();
    const code = parseInviteCode(codeText);
    checkServerUrl(code.serverUrl);
    const device = generateDeviceKeys();
    const auth = deriveInviteAuthKey(code.secret, code.inviteId);
    const deviceId = this.newSyncDeviceId();
    const registration = {
      deviceId,
      signPublicKey: toBase64Url(device.signPublicKey),
      boxPublicKey: toBase64Url(device.boxPublicKey),
    };
    let workspaceId: string;
    try {
      const res = await this.call(
        code.serverUrl,
        (api) =>
          api.acceptInvite(code.inviteId, {
            device: registration,
            proof: signInviteAcceptance(auth.secretKey, { inviteId: code.inviteId, ...registration }),
          }),
        { joining: { deviceId, signSecretKey: device.signSecretKey } },
      );
      workspaceId = res.workspaceId;
      const wrapKey = deriveInviteWrapKey(code.secret, code.inviteId, workspaceId);
      let wsKey: { keyId: number; key: Uint8Array } | null = null;
      try {
        wsKey = unwrapWorkspaceKey(fromBase64Url(res.wrappedKey), wrapKey, code.inviteId, workspaceId);
        this.saveWorkspace({ workspaceId, deviceId, serverUrl: code.serverUrl, name: null }, device, wsKey);
      } finally {
        wrapKey.fill(0);
        wsKey?.key.fill(0);
      }
    } finally {
      auth.secretKey.fill(0);
      code.secret.fill(0);
      device.signSecretKey.fill(0);
      device.boxSecretKey.fill(0);
    }
    this.options.logger.log('info', 'sync.joined', { workspaceId, deviceId });
    this.setState({ state: 'idle' });
    // Bootstrap: pull the whole log in the background, with progress events (failures land in the status).
    this.syncNow().catch(() => undefined);
    this.start();
    return { workspaceId, deviceId };
  }

  // ---- devices ----

  private toDevice(d: DeviceInfo): SyncDevice {
    return {
      deviceId: d.deviceId,
      status: d.status,
      createdAt: new Date(d.createdAt).toISOString(),
      revokedAt: iso(d.revokedAt),
      invitedBy: d.invitedBy,
      isThisDevice: d.deviceId === this.deviceId,
    };
  }

  async devices(): Promise<SyncDevice[]> {
    const res = await this.guard(() => this.api((api, workspaceId) => api.listDevices(workspaceId)));
    return res.devices.map((d) => this.toDevice(d));
  }

  async revokeDevice(deviceId: string): Promise<SyncDevice> {
    const res = await this.guard(() =>
      this.api((api, workspaceId) => api.revokeDevice(workspaceId, deviceId)),
    );
    this.options.logger.log('info', 'sync.deviceRevokedByUs', { deviceId });
    return this.toDevice(res.device);
  }

  // ---- conflicts ----

  conflicts(): Conflict[] {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    return this.repo.openConflicts().map((c) => ({
      conflictId: c.conflictId,
      entity: c.entity,
      recordId: c.recordId,
      field: c.field,
      current: { value: jsonValue(c.currentValue), hlc: c.currentHlc, deviceId: c.currentDevice },
      other: { value: jsonValue(c.otherValue), hlc: c.otherHlc, deviceId: c.otherDevice },
      detectedAt: new Date(c.detectedAt).toISOString(),
    }));
  }

  /** Keeps one side: a new local op (a fresh stamp above everything seen) that syncs like any edit. */
  resolveConflict(conflictId: string, keep: 'current' | 'other'): { conflictId: string } {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    const c = this.repo.conflict(conflictId);
    if (!c) throw new AppError('NOT_FOUND', 'No such conflict');
    if (c.resolvedAt !== null) throw new AppError('CONFLICT', 'The conflict is already resolved');
    const value = keep === 'current' ? c.currentValue : c.otherValue;
    const db = this.options.db;
    db.transaction(() => {
      // The CRM's own clock (seeded from the op log, advanced by every applied remote stamp).
      const stamp = crmClock(db, this.crmDeviceId, this.options.now).now();
      this.merge.writeLocal({
        opId: uuidv7(stamp.wall),
        entity: c.entity,
        recordId: c.recordId,
        hlc: formatHlc(stamp),
        deviceId: this.crmDeviceId,
        fields: JSON.stringify({ [c.field]: value === null ? null : (JSON.parse(value) as unknown) }),
      });
      this.repo.resolveConflict(conflictId, this.options.now());
    })();
    this.setState({});
    return { conflictId };
  }

  // ---- the sync cycle ----

  /**
   * Pulls new deltas and pushes pending ops now (after any cycle already running). Rejects with the
   * failure (SYNC_OFFLINE, …), which is also in the status.
   */
  syncNow(): Promise<SyncStatus> {
    const run = this.chain.then(() => this.cycleSafe());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async cycleSafe(): Promise<SyncStatus> {
    if (this.revoked) return this.status();
    this.requireWorkspace();
    try {
      this.warning = null;
      await this.guard(() => this.cycle());
      this.setState({ state: 'idle', progress: null, nextRetryAt: null, error: this.warning });
    } catch (error) {
      const e = toAppError(error);
      if (this.revoked) return this.status();
      if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
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
    const { ws } = this.requireWorkspace();
    await this.pull(ws.cursor === 0 ? 'bootstrap' : 'pull');
    await this.push();
    this.repo.setLastSync(this.options.now());
    this.workspace = this.repo.workspace();
  }

  /** Pulls pages since the cursor; each page is merged and the cursor advanced in one transaction. */
  private async pull(phase: Phase): Promise<void> {
    const fetchPage = (after: number) => {
      const p = this.api((api, workspaceId) => api.pull(workspaceId, after, PULL_PAGE));
      // A prefetched page may be abandoned when applying the current one fails.
      p.catch(() => undefined);
      return p;
    };
    let skew = 0;
    const next = fetchPage(this.requireWorkspace().ws.cursor);
    const restore =
      phase === 'bootstrap'
        ? this.repo.tuneForBulkApply(BOOTSTRAP_CACHE_KIB, BOOTSTRAP_CHECKPOINT_BYTES)
        : null;
    try {
      await this.pullPages(phase, next, fetchPage, (n) => (skew += n));
    } finally {
      restore?.();
    }
    if (skew > 0) {
      this.options.logger.log('warn', 'sync.clockSkew', { quarantined: skew });
      this.warning = { code: 'CLOCK_SKEW', message: `${skew} op(s) stamped too far ahead were quarantined` };
    }
  }

  private async pullPages(
    phase: Phase,
    first: Promise<z.infer<typeof pullResponseSchema>>,
    fetchPage: (after: number) => Promise<z.infer<typeof pullResponseSchema>>,
    onSkew: (n: number) => void,
  ): Promise<void> {
    let next = first;
    for (;;) {
      const { ws } = this.requireWorkspace();
      const page = await next;
      this.setState({
        state: 'syncing',
        progress: { phase, done: ws.cursor, total: page.latestSeq },
      });
      if (page.deltas.length === 0 && page.nextCursor === ws.cursor) break;
      // Fetch the next page while this one is verified and merged (hides the round trip).
      if (page.hasMore) next = fetchPage(page.nextCursor);
      onSkew(this.applyPage(ws, page.deltas, page.nextCursor));
      this.workspace = this.repo.workspace();
      this.setState({ progress: { phase, done: page.nextCursor, total: page.latestSeq } });
      if (!page.hasMore) break;
    }
  }

  /** Opens, checks and merges one page; returns how many ops the drift guard held back. */
  private applyPage(ws: WorkspaceRow, deltas: readonly PulledDelta[], nextCursor: number): number {
    const keys = this.requireWorkspace().keys;
    const at = this.options.now();
    const maxDrift = this.options.maxDriftMs ?? MAX_DRIFT_MS;
    const good: RemoteRow[] = [];
    const rejected: { d: PulledDelta; reason: string }[] = [];
    const held: { d: PulledDelta; row: RemoteRow; reason: string }[] = [];
    // HLC device id -> server device id, to name conflict sides the way devices.list does.
    const names = new Map<string, string>([[this.crmDeviceId, ws.deviceId]]);
    // Remote row -> the cursor its device had pulled to when it sealed the row's delta.
    const seen = new Map<RemoteRow, number>();
    const unseenLocal = (localSeq: number, row: RemoteRow): boolean => {
      const known = seen.get(row);
      const at = known === undefined ? null : this.repo.pushedAt(localSeq);
      return known !== undefined && at !== null && at > known;
    };
    for (const d of deltas) {
      let plain: Uint8Array;
      try {
        plain = openDelta(
          fromBase64Url(d.envelope),
          { workspaceId: ws.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
          (id) => keys.workspace.get(id),
        );
      } catch (error) {
        rejected.push({ d, reason: error instanceof EnvelopeError ? error.reason : 'malformed' });
        continue;
      }
      const decoded = decodeDelta(plain);
      plain.fill(0);
      if (!decoded) {
        rejected.push({ d, reason: 'bad_payload' });
        continue;
      }
      for (const r of decoded.rows) {
        const stamp = parseHlc(r.hlc);
        const row: RemoteRow = { ...r, deviceId: stamp?.deviceId ?? '' };
        const invalid = invalidReason(row);
        if (invalid) held.push({ d, row, reason: `invalid:${invalid}` });
        else if (d.deviceId !== row.deviceId && !d.deviceId.startsWith(`${row.deviceId}-`))
          held.push({ d, row, reason: 'foreign_device' });
        else if (stamp!.wall - d.receivedAt > maxDrift) held.push({ d, row, reason: 'clock_skew' });
        else {
          names.set(row.deviceId, d.deviceId);
          if (decoded.seen !== null && d.deviceId !== ws.deviceId) seen.set(row, decoded.seen);
          good.push(row);
        }
      }
    }
    let conflicts: DetectedConflict[] = [];
    // Rows were drift-checked against their delta's receive time: the clock may take in up to that.
    const referenceMs = deltas.reduce((m, d) => Math.max(m, d.receivedAt), 0);
    this.options.db.transaction(() => {
      conflicts = this.merge.apply(good, { unseenLocal, referenceMs }).conflicts;
      for (const r of rejected) {
        this.repo.addRejected(
          {
            deltaId: r.d.deltaId,
            seq: r.d.seq,
            deviceId: r.d.deviceId,
            reason: r.reason,
            receivedAt: r.d.receivedAt,
          },
          at,
        );
      }
      for (const h of held) {
        this.repo.addQuarantine(
          { ...h.row, deltaId: h.d.deltaId, seq: h.d.seq, reason: h.reason, receivedAt: h.d.receivedAt },
          at,
        );
      }
      for (const c of conflicts) this.repo.addConflict(conflictRow(c, at, (id) => names.get(id) ?? id));
      this.closeSuperseded(good, at);
      this.repo.setCursor(nextCursor);
    })();
    for (const r of rejected) {
      this.options.logger.log('warn', 'sync.deltaRejected', {
        deltaId: r.d.deltaId,
        seq: r.d.seq,
        reason: r.reason,
      });
    }
    if (rejected.length > 0) {
      this.warning = {
        code: 'DELTA_REJECTED',
        message: `${rejected.length} delta(s) failed to authenticate and were skipped`,
      };
    }
    return held.filter((h) => h.reason === 'clock_skew').length;
  }

  /**
   * Closes open conflicts that an applied op supersedes: a resolution from another device (both
   * devices may have recorded the same conflict when their cycles overlapped) or any later write of
   * that record and field, stamped above both conflicting values. LWW already shows its value.
   */
  private closeSuperseded(rows: readonly RemoteRow[], at: number): void {
    // Almost always there is nothing open: skip the per-field work that would otherwise cost a
    // statement per applied field on every page (it tripled a 1M-op bootstrap).
    if (!this.repo.hasOpenConflicts()) return;
    const newest = new Map<string, { recordId: string; field: string; hlc: string }>();
    for (const row of rows) {
      // Our own ops come back in pulls too; only another device's write closes a conflict here.
      if (row.deviceId === this.crmDeviceId) continue;
      for (const field of fieldNames(row.fields)) {
        const key = JSON.stringify([row.recordId, field]);
        const cur = newest.get(key);
        if (!cur || row.hlc > cur.hlc) newest.set(key, { recordId: row.recordId, field, hlc: row.hlc });
      }
    }
    let closed = 0;
    for (const n of newest.values())
      closed += this.repo.closeSupersededConflicts(n.recordId, n.field, n.hlc, at);
    if (closed > 0) this.options.logger.log('info', 'sync.conflictsSuperseded', { count: closed });
  }

  /** Seals pending ops into the outbox (only when it is empty) and pushes it until nothing is pending. */
  private async push(): Promise<void> {
    let done = 0;
    for (;;) {
      const { ws, keys } = this.requireWorkspace();
      let outbox = this.repo.outbox();
      if (outbox.length === 0) {
        const pending = this.oplog.pending(ROWS_PER_DELTA * DELTAS_PER_PUSH);
        if (pending.length === 0) break;
        const key = this.latestWorkspaceKey(keys);
        const batch: { deltaId: string; envelope: Uint8Array; seqs: number[] }[] = [];
        for (const ops of chunkRows(pending)) {
          const deltaId = randomId();
          const envelope = sealDelta(
            encodeDelta(ops, ws.cursor),
            { workspaceId: ws.workspaceId, deviceId: this.deviceId, deltaId },
            key,
          );
          batch.push({ deltaId, envelope, seqs: ops.map((o) => o.seq) });
        }
        this.options.db.transaction(() => {
          this.merge.reconcile(pending);
          this.repo.addOutbox(batch, this.options.now());
        })();
        outbox = this.repo.outbox();
      }
      const total = done + this.repo.pendingCount();
      this.setState({ state: 'syncing', progress: { phase: 'push', done, total } });
      // One request stays well under the server's body limit (base64 grows envelopes by a third).
      const send: typeof outbox = [];
      let bytes = 0;
      for (const o of outbox) {
        if (send.length > 0 && bytes + o.envelope.length > PUSH_MAX_ENVELOPE_BYTES) break;
        send.push(o);
        bytes += o.envelope.length;
      }
      outbox = send;
      const deltas = outbox.map((o) => ({ deltaId: o.deltaId, envelope: toBase64Url(o.envelope) }));
      const res = await this.api((api, workspaceId) => api.push(workspaceId, deltas));
      const acked = new Map(res.results.map((r) => [r.deltaId, r.seq]));
      const at = this.options.now();
      this.options.db.transaction(() => {
        for (const o of outbox) {
          const serverSeq = acked.get(o.deltaId);
          if (serverSeq === undefined) continue;
          const seqs = JSON.parse(o.seqs) as number[];
          this.oplog.markPushed(seqs, at);
          this.repo.addPushed(serverSeq, Math.min(...seqs), Math.max(...seqs));
          this.repo.removeOutbox(o.deltaId);
          done += o.ops;
        }
      })();
      if (acked.size === 0) throw new AppError('INTERNAL', 'The sync server acknowledged nothing');
    }
  }

  // ---- background loop ----

  /**
   * Long-polls the server for new deltas; returns early when the local op log grows (an edit to
   * push), checked cheaply by its largest seq every couple of seconds.
   */
  private async waitForChanges(): Promise<void> {
    const { ws } = this.requireWorkspace();
    const local = new AbortController();
    const startSeq = this.repo.maxOpSeq();
    const timer = setInterval(() => {
      try {
        if (this.repo.maxOpSeq() !== startSeq) local.abort();
      } catch {
        local.abort();
      }
    }, LOCAL_POLL_MS);
    try {
      await this.api((api, workspaceId) => api.wait(workspaceId, ws.cursor, IDLE_WAIT_MS), {
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
    const signal = this.abort.signal;
    while (!this.stopped && !this.revoked) {
      try {
        await this.syncNow();
        backoff = 0;
        await this.waitForChanges();
      } catch (error) {
        if (this.stopped || this.revoked) break;
        const e = toAppError(error);
        if (e.code === 'DEVICE_REVOKED') {
          await this.onRevoked();
          break;
        }
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

/**
 * Splits pending rows into deltas of at most ROWS_PER_DELTA rows and DELTA_MAX_PLAINTEXT bytes of
 * field data (a delta always takes at least one row), so a few large notes never make an envelope
 * the server refuses.
 */
function chunkRows<R extends { fields: string | null }>(rows: readonly R[]): R[][] {
  const out: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = (row.fields?.length ?? 0) * 3 + 200;
    if (current.length > 0 && (current.length >= ROWS_PER_DELTA || bytes + size > DELTA_MAX_PLAINTEXT)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function jsonValue(text: string | null): string | number | boolean | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  } catch {
    return null;
  }
}

function conflictRow(c: DetectedConflict, at: number, name: (hlcDeviceId: string) => string): ConflictRow {
  return {
    conflictId: randomId(),
    entity: c.entity,
    recordId: c.recordId,
    field: c.field,
    currentValue: c.current.value,
    currentHlc: c.current.hlc,
    currentDevice: name(c.current.deviceId),
    otherValue: c.other.value,
    otherHlc: c.other.hlc,
    otherDevice: name(c.other.deviceId),
    detectedAt: at,
  };
}

/** The field names a remote row writes (none when erased or malformed). */
function fieldNames(fields: string | null): string[] {
  if (fields === null) return [];
  try {
    const parsed = JSON.parse(fields) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}
