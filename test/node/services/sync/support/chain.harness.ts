import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { changePipeline, type ChangePipeline } from '../../../../../electron/services/crm/change.pipeline';
import { contactDef } from '../../../../../electron/services/crm/crm.entities';
import { silentLogger } from '../../../../../electron/services/log/logger';
import type { DeltaAuthor, DeltaAuthors } from '../../../../../electron/services/sync/sync.authors';
import { SyncConflicts } from '../../../../../electron/services/sync/sync.conflicts';
import { encodeDelta, type ChainLink } from '../../../../../electron/services/sync/sync.delta';
import { SyncInbox, type PullReport } from '../../../../../electron/services/sync/sync.inbox';
import { SyncOutbox } from '../../../../../electron/services/sync/sync.outbox';
import { SyncSession } from '../../../../../electron/services/sync/sync.session';
import { formatHlc } from '../../../../../shared/domain/hlc';
import { uuidv7 } from '../../../../../shared/domain/ids';
import { generateDeviceKeys, randomId } from '../../../../../shared/sync/device-keys';
import { toBase64Url } from '../../../../../shared/sync/encoding';
import {
  envelopeDigest,
  generateWorkspaceKey,
  sealDelta,
  type WorkspaceKey,
} from '../../../../../shared/sync/envelope';
import type { DeviceKeys } from '../../../../../shared/sync/signing';
import { realKeychain } from '../../../support/vault';
import { createClient, type TestClient } from './client';

/** One delta as a server stores it. */
export interface StoredDelta {
  seq: number;
  readonly deltaId: string;
  readonly deviceId: string;
  readonly receivedAt: number;
  readonly envelope: string;
}

/**
 * A sync server under the test's control on loopback, speaking the push/pull routes of the real
 * protocol (so the shipped `SyncApiClient` parses every answer with its schemas). It trusts the
 * device header (request auth is the real server's, tested elsewhere) and, being hostile on
 * demand, can drop a delta, roll its log back to a snapshot, or store a delta under any device id.
 */
export class HostileLog {
  deltas: StoredDelta[] = [];
  lastSeq = 0;
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const device = String(req.headers['x-fv-device'] ?? '');
        let body: unknown;
        if (req.method === 'POST' && url.pathname.endsWith('/deltas')) {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            deltas: { deltaId: string; envelope: string }[];
          };
          body = {
            results: parsed.deltas.map((d) => this.append(device, d.deltaId, d.envelope)),
            latestSeq: this.lastSeq,
          };
        } else if (req.method === 'GET' && url.pathname.endsWith('/deltas')) {
          const after = Number(url.searchParams.get('after') ?? 0);
          const limit = Number(url.searchParams.get('limit') ?? 100);
          const later = this.deltas.filter((d) => d.seq > after).sort((a, b) => a.seq - b.seq);
          const page = later.slice(0, limit);
          body = {
            deltas: page,
            nextCursor: page.length > 0 ? page[page.length - 1]!.seq : after,
            hasMore: later.length > page.length,
            latestSeq: this.lastSeq,
          };
        } else {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'not here' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'x-fv-server-time': String(Date.now()) });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Appends a delta (or reports the stored one for a known delta id), as the real server does. */
  append(deviceId: string, deltaId: string, envelope: string) {
    const known = this.deltas.find((d) => d.deltaId === deltaId);
    if (known) return { deltaId, seq: known.seq, receivedAt: known.receivedAt, duplicate: true };
    const stored = { seq: ++this.lastSeq, deltaId, deviceId, receivedAt: Date.now(), envelope };
    this.deltas.push(stored);
    return { deltaId, seq: stored.seq, receivedAt: stored.receivedAt, duplicate: false };
  }

  /** Replaces the stored bytes of one delta (a server that corrupts what it holds). */
  corrupt(deltaId: string, envelope: string): void {
    const at = this.deltas.findIndex((d) => d.deltaId === deltaId);
    if (at < 0) throw new Error(`no delta ${deltaId}`);
    this.deltas[at] = { ...this.deltas[at]!, envelope };
  }

  /** Deletes one stored delta (a dropped delta); the log's latest seq stays. */
  drop(seq: number): StoredDelta {
    const at = this.deltas.findIndex((d) => d.seq === seq);
    if (at < 0) throw new Error(`no delta at ${seq}`);
    return this.deltas.splice(at, 1)[0]!;
  }

  snapshot(): { deltas: StoredDelta[]; lastSeq: number } {
    return { deltas: this.deltas.map((d) => ({ ...d })), lastSeq: this.lastSeq };
  }

  /** Puts an earlier copy of the log back (a storage rollback). */
  restore(copy: { deltas: StoredDelta[]; lastSeq: number }): void {
    this.deltas = copy.deltas.map((d) => ({ ...d }));
    this.lastSeq = copy.lastSeq;
  }

  ofDevice(deviceId: string): StoredDelta[] {
    return this.deltas.filter((d) => d.deviceId === deviceId);
  }
}

/** The verified membership log as the inbox sees it: a map the test fills. */
export class TestAuthors implements DeltaAuthors {
  readonly authors = new Map<string, DeltaAuthor>();
  readonly ensured: string[][] = [];

  author(deviceId: string): DeltaAuthor | null {
    return this.authors.get(deviceId) ?? null;
  }

  ensure(deviceIds: readonly string[]): Promise<void> {
    this.ensured.push([...deviceIds]);
    return Promise.resolve();
  }

  ensureKeys(): Promise<void> {
    return Promise.resolve();
  }
}

/** A device of the workspace: a real vault and CRM, with the shipped inbox and outbox over it. */
export interface ChainDevice {
  readonly client: TestClient;
  readonly deviceId: string;
  readonly clockId: string;
  readonly keys: DeviceKeys;
  readonly session: SyncSession;
  readonly pipeline: ChangePipeline;
  readonly inbox: SyncInbox;
  readonly outbox: SyncOutbox;
  /** Pull then push, as one engine cycle does. */
  sync(): Promise<PullReport>;
  /** Creates a contact and returns its id. */
  contact(name: string): string;
  has(id: string): boolean;
}

/** A workspace of real devices against a `HostileLog`. */
export class ChainWorld {
  readonly log = new HostileLog();
  readonly authors = new TestAuthors();
  readonly workspaceId = randomId();
  readonly key: WorkspaceKey = generateWorkspaceKey(1);
  readonly devices: ChainDevice[] = [];
  private readonly dirs: string[] = [];

  async start(): Promise<void> {
    await this.log.start();
  }

  async stop(): Promise<void> {
    for (const d of this.devices) {
      d.session.stop();
      await d.client.dispose();
    }
    await this.log.stop();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }

  async device(name: string, options: { canWrite?: boolean } = {}): Promise<ChainDevice> {
    const dataDir = mkdtempSync(path.join(tmpdir(), `fv-chain-${name}-`));
    this.dirs.push(dataDir);
    const client = await createClient(name, dataDir, realKeychain());
    const db = client.vault.access.db();
    const pipeline = changePipeline(client.crm());
    const clockId = pipeline.deviceId;
    const deviceId = `${clockId}-${randomId().slice(0, 8)}`;
    const keys = generateDeviceKeys();
    const session = new SyncSession(db, Date.now);
    session.saveWorkspace(
      { workspaceId: this.workspaceId, deviceId, serverUrl: this.log.url, name: 'T' },
      keys,
      { keyId: this.key.keyId, key: this.key.key.slice() },
    );
    this.authors.authors.set(deviceId, {
      signPublicKey: keys.signPublicKey,
      clockId,
      canWrite: options.canWrite ?? true,
      managesPeople: true,
    });
    const conflicts = new SyncConflicts(session.repo, () => pipeline, silentLogger);
    const progress = () => undefined;
    const inbox = new SyncInbox(
      session,
      () => pipeline,
      conflicts,
      { logger: silentLogger, now: Date.now, onProgress: progress },
      this.authors,
    );
    const outbox = new SyncOutbox(session, () => pipeline, {
      now: Date.now,
      onProgress: progress,
      onRetired: () => Promise.resolve(),
    });
    const crm = client.crm();
    const device: ChainDevice = {
      client,
      deviceId,
      clockId,
      keys,
      session,
      pipeline,
      inbox,
      outbox,
      async sync() {
        const report = await inbox.pull();
        await outbox.push();
        return report;
      },
      contact: (n) => crm.create(contactDef, { name: n }).id,
      has: (id) => {
        try {
          crm.get(contactDef, id);
          return true;
        } catch {
          return false;
        }
      },
    };
    this.devices.push(device);
    return device;
  }
}

/** A member that holds the workspace key and its own signing key, and seals whatever it likes. */
export interface Forger {
  readonly deviceId: string;
  readonly clockId: string;
  readonly keys: DeviceKeys;
}

export function forger(
  world: ChainWorld,
  options: { known?: boolean; canWrite?: boolean; deviceId?: string; clockId?: string } = {},
): Forger {
  const clockId = options.clockId ?? `forger${randomId().slice(0, 10)}`;
  const f = {
    deviceId: options.deviceId ?? `${clockId}-${randomId().slice(0, 8)}`,
    clockId,
    keys: generateDeviceKeys(),
  };
  if (options.known ?? true)
    world.authors.authors.set(f.deviceId, {
      signPublicKey: f.keys.signPublicKey,
      clockId,
      canWrite: options.canWrite ?? true,
      managesPeople: true,
    });
  return f;
}

/** One contact-creating op stamped with `hlcDevice`. */
export function contactOp(hlcDevice: string, name: string) {
  const now = Date.now();
  return {
    opId: uuidv7(now),
    entity: 'contact',
    recordId: uuidv7(now),
    hlc: formatHlc({ wall: now, counter: 0, deviceId: hlcDevice }),
    fields: JSON.stringify({ name }),
  };
}

/**
 * Seals ops as `signer` and stores them on the log under `asDevice` (a hostile server may claim any
 * pusher). Returns the digest for chaining the next one.
 */
export function forge(
  world: ChainWorld,
  signer: DeviceKeys,
  asDevice: string,
  rows: ReturnType<typeof contactOp>[],
  link: ChainLink,
  options: { version?: number } = {},
): { digest: Uint8Array; deltaId: string } {
  const deltaId = randomId();
  const envelope = sealDelta(
    encodeDelta(rows, link),
    { workspaceId: world.workspaceId, deviceId: asDevice, deltaId },
    world.key,
    signer.signSecretKey,
  );
  if (options.version !== undefined) envelope[0] = options.version;
  world.log.append(asDevice, deltaId, toBase64Url(envelope));
  return { digest: envelopeDigest(envelope), deltaId };
}
