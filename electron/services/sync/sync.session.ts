import { AppError } from '../../../shared/errors';
import type { generateDeviceKeys } from '../../../shared/sync/device-keys';
import { SyncApiClient, type SigningDevice } from '../../../shared/sync/sync.client';
import type { Db } from '../db/database';
import { fetchTransport } from './sync.http';
import { SyncRepository, type KeyRow, type WorkspaceRow } from './sync.repository';

/** The keys of a configured workspace, in memory only while the vault is unlocked. */
export interface LiveKeys {
  sign: Uint8Array;
  /** X25519 secret key: opens the epoch keys a rotation seals to this device (issue 12). */
  box: Uint8Array;
  /** Workspace keys by epoch (key id). */
  workspace: Map<number, Uint8Array>;
}

/**
 * One open vault's sync identity: the workspace row, the device's signing key and the workspace keys
 * (loaded from `sync_keys` inside the vault, zeroed on `stop`), and signed calls to the server that
 * follow its clock. Every other sync part reaches the server and the keys through a session.
 */
export class SyncSession {
  readonly repo: SyncRepository;
  private keys: LiveKeys | null = null;
  /** Server clock minus ours, learned from the server's CLOCK_SKEW answers (see `call`). */
  private clockOffsetMs = 0;
  private ws: WorkspaceRow | null;
  private stopped = false;
  /** Aborts every request in flight when the session stops. */
  readonly abort = new AbortController();

  constructor(
    readonly db: Db,
    private readonly now: () => number,
  ) {
    this.repo = new SyncRepository(db);
    this.ws = this.repo.workspace();
    if (this.ws) this.loadKeys();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The workspace this vault belongs to, or null. */
  get workspace(): WorkspaceRow | null {
    return this.ws;
  }

  /** Re-reads the workspace row (cursor, last sync) after the repository changed it. */
  refresh(): WorkspaceRow | null {
    this.ws = this.repo.workspace();
    return this.ws;
  }

  /** Forgets the workspace in memory (after a wipe). */
  forget(): void {
    this.ws = null;
  }

  /** Stops requests in flight and zeroes the keys. Safe to call twice. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.zeroKeys();
  }

  /** The workspace and its keys; VAULT_LOCKED after stop, NOT_FOUND when not configured. */
  require(): { ws: WorkspaceRow; keys: LiveKeys } {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    if (!this.ws || !this.keys) throw new AppError('NOT_FOUND', 'This vault is not part of a workspace');
    return { ws: this.ws, keys: this.keys };
  }

  /** VAULT_LOCKED after stop, CONFLICT when a workspace is already configured. */
  requireUnconfigured(): void {
    if (this.stopped) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    if (this.ws) throw new AppError('CONFLICT', 'This vault already belongs to a workspace');
  }

  /** The newest workspace key (the one new deltas are sealed with). */
  latestWorkspaceKey(): { keyId: number; key: Uint8Array } {
    const { keys } = this.require();
    const ids = [...keys.workspace.keys()].sort((a, b) => b - a);
    const keyId = ids[0];
    if (keyId === undefined) throw new AppError('KEY_MISSING', 'The workspace key is missing');
    return { keyId, key: keys.workspace.get(keyId)! };
  }

  /**
   * Stores workspace keys of new epochs in the vault and keeps copies in memory (the caller zeroes
   * the ones it passes). Key ids already held are left as they are.
   */
  addWorkspaceKeys(keys: readonly { keyId: number; key: Uint8Array }[]): void {
    const live = this.require().keys;
    const fresh = keys.filter((k) => !live.workspace.has(k.keyId));
    if (fresh.length === 0) return;
    const rows = fresh.map((k) => ({ keyId: k.keyId, secret: Buffer.from(k.key) }));
    try {
      this.repo.addWorkspaceKeys(rows);
    } finally {
      for (const r of rows) r.secret.fill(0);
    }
    for (const k of fresh) live.workspace.set(k.keyId, new Uint8Array(k.key));
  }

  /** Stores a new workspace membership with this device's keys (copies; the caller zeroes its own). */
  saveWorkspace(
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
      this.repo.saveWorkspace(ws, rows, this.now());
    } finally {
      for (const r of rows) r.secret.fill(0);
    }
    this.refresh();
    this.loadKeys();
  }

  private loadKeys(): void {
    this.zeroKeys();
    const live: LiveKeys = { sign: new Uint8Array(0), box: new Uint8Array(0), workspace: new Map() };
    for (const row of this.repo.keys()) {
      if (row.kind === 'sign') live.sign = new Uint8Array(row.secret);
      else if (row.kind === 'box') live.box = new Uint8Array(row.secret);
      else if (row.kind === 'workspace') live.workspace.set(row.keyId, new Uint8Array(row.secret));
      row.secret.fill(0);
    }
    this.keys = live;
  }

  private zeroKeys(): void {
    if (!this.keys) return;
    this.keys.sign.fill(0);
    this.keys.box.fill(0);
    for (const k of this.keys.workspace.values()) k.fill(0);
    this.keys = null;
  }

  /**
   * Runs one exchange with the sync server through a signed `SyncApiClient`: as this device (the
   * vault must be unlocked) or as a device still joining. The server clock offset a `CLOCK_SKEW`
   * answer taught the client is kept for every later request, so a laptop whose clock is off still
   * syncs. `timeoutMs` and `signal` serve long-polls.
   */
  async call<T>(
    serverUrl: string,
    fn: (api: SyncApiClient) => Promise<T>,
    options: { joining?: SigningDevice; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    let device = options.joining;
    if (!device) {
      const { ws, keys } = this.require();
      device = { deviceId: ws.deviceId, signSecretKey: keys.sign };
    }
    const base = this.clockOffsetMs;
    const api = new SyncApiClient(
      serverUrl,
      fetchTransport({
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        signals: [this.abort.signal, ...(options.signal ? [options.signal] : [])],
      }),
      device,
      () => this.now() + base,
    );
    try {
      return await fn(api);
    } finally {
      if (api.clockOffsetMs !== 0) this.clockOffsetMs = base + api.clockOffsetMs;
    }
  }

  /** `call` against this workspace's server, as this device. */
  api<T>(
    fn: (api: SyncApiClient, workspaceId: string) => Promise<T>,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { ws } = this.require();
    return this.call(ws.serverUrl, (api) => fn(api, ws.workspaceId), options);
  }
}
