import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createSyncServer } from '../../server/app';
import { PostgresSyncStorage } from '../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../server/storage/storage.sqlite';
import type { SyncStorage } from '../../server/storage/storage';
import { generateDeviceKeys, randomId } from '../../shared/sync/device-keys';
import { toBase64Url, utf8 } from '../../shared/sync/encoding';
import { sealDelta } from '../../shared/sync/envelope';
import { syncPath, syncRoutes } from '../../shared/sync/routes';
import { signRequest } from '../../shared/sync/signing';
import { postgresBinDir, startPostgres } from '../support/postgres';
import { enrolDevices, type LoadDevice } from '../support/sync-load';
import { median, percentile, result, type BenchResult, type BenchSuite } from './bench.types';

const CLIENTS = 50;
const DEVICES_PER_WORKSPACE = 5;
const DELTAS_PER_PUSH = 5;
/** A delta carries a batch of ops; ~2 KB of plaintext is a small batch, so request overhead shows. */
const PLAINTEXT_BYTES = 2_000;
const PULL_PAGE = 200;
/** Hard bound per storage run, whatever the machine. */
const MAX_RUN_MS = 120_000;

interface Prepared {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

async function send(url: string, p: Prepared): Promise<unknown> {
  const response = await fetch(url + p.path, {
    method: p.method,
    headers: p.body ? { ...p.headers, 'content-type': 'application/json' } : p.headers,
    body: p.body,
  });
  const json = await response.json();
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`bench request ${p.method} ${p.path} failed with ${response.status}`);
  }
  return json;
}

function signed(method: 'GET' | 'POST', p: string, body: unknown, device: LoadDevice): Prepared {
  const bytes = body === undefined ? undefined : Buffer.from(utf8(JSON.stringify(body)));
  return {
    method,
    path: p,
    body: bytes,
    headers: signRequest({
      method,
      path: p,
      body: bytes,
      deviceId: device.deviceId,
      signSecretKey: device.signSecretKey,
    }),
  };
}

async function runConcurrent(
  url: string,
  perClient: Prepared[][],
  deadline: number,
): Promise<{ seconds: number; latencies: number[]; responses: unknown[] }> {
  const latencies: number[] = [];
  const responses: unknown[] = [];
  const start = performance.now();
  await Promise.all(
    perClient.map(async (queue) => {
      for (const p of queue) {
        if (Date.now() > deadline) throw new Error('sync bench exceeded its time bound');
        const t = performance.now();
        responses.push(await send(url, p));
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, latencies, responses };
}

/**
 * `v2`: envelopes as clients seal them now (signed, chained, padded to a size bucket: 2 KB of
 * plaintext becomes 4 KiB). `v1-size`: opaque bytes of the size an unsigned, unpadded v1 envelope of
 * the same plaintext had (the server never parses envelopes), the baseline of issue 11's 1.2x target.
 */
type EnvelopeFormat = 'v2' | 'v1-size';
const V1_OVERHEAD_BYTES = 1 + 4 + 24 + 16;

/**
 * Opaque bytes of a v1 envelope's size, starting with v1's version byte: random bytes whose first
 * byte happened to be 2 read as a v2 header naming a random key epoch, which the server refuses.
 */
function v1SizeEnvelope(): Uint8Array {
  const bytes = randomBytes(PLAINTEXT_BYTES + V1_OVERHEAD_BYTES);
  bytes[0] = 1;
  return bytes;
}

interface Measured {
  readonly pushDeltasPerSec: number;
  readonly pullDeltasPerSec: number;
  readonly pushP95Ms: number;
}

/**
 * One storage: 50 concurrent clients push `pushes` requests of 5 deltas each, then each pulls its
 * whole workspace log in pages of 200. Requests are sealed and signed before the clock starts, so
 * the figures are the server's (signature and nonce checks included), not the clients' crypto.
 */
async function measure(
  storage: SyncStorage,
  pushes: number,
  format: EnvelopeFormat = 'v2',
): Promise<Measured> {
  const app = await createSyncServer({ storage, limits: { rateMax: 10_000_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const devices = await enrolDevices(url, CLIENTS, DEVICES_PER_WORKSPACE);
    const plaintext = utf8('x'.repeat(PLAINTEXT_BYTES));
    const pushQueues = devices.map((d) =>
      Array.from({ length: pushes }, () => {
        const deltas = Array.from({ length: DELTAS_PER_PUSH }, () => {
          const deltaId = randomId();
          const envelope =
            format === 'v2'
              ? sealDelta(
                  plaintext,
                  { workspaceId: d.workspaceId, deviceId: d.deviceId, deltaId },
                  d.workspaceKey,
                  d.signSecretKey,
                )
              : v1SizeEnvelope();
          return { deltaId, envelope: toBase64Url(envelope) };
        });
        return signed('POST', syncPath(syncRoutes.push, { workspaceId: d.workspaceId }), { deltas }, d);
      }),
    );
    const deadline = Date.now() + MAX_RUN_MS;
    const push = await runConcurrent(url, pushQueues, deadline);
    const pushed = CLIENTS * pushes * DELTAS_PER_PUSH;

    const perWorkspace = DEVICES_PER_WORKSPACE * pushes * DELTAS_PER_PUSH;
    const pullQueues = devices.map((d) =>
      Array.from({ length: Math.ceil(perWorkspace / PULL_PAGE) }, (_, page) =>
        signed(
          'GET',
          syncPath(
            syncRoutes.pull,
            { workspaceId: d.workspaceId },
            { after: page * PULL_PAGE, limit: PULL_PAGE },
          ),
          undefined,
          d,
        ),
      ),
    );
    const pull = await runConcurrent(url, pullQueues, deadline);
    const pulled = pull.responses.reduce<number>(
      (n, r) => n + ((r as { deltas?: unknown[] }).deltas?.length ?? 0),
      0,
    );
    if (pulled !== CLIENTS * perWorkspace)
      throw new Error(`pulled ${pulled} deltas, expected ${CLIENTS * perWorkspace}`);
    return {
      pushDeltasPerSec: pushed / push.seconds,
      pullDeltasPerSec: pulled / pull.seconds,
      pushP95Ms: percentile(push.latencies, 95),
    };
  } finally {
    await app.close();
  }
}

export const syncBench: BenchSuite = {
  name: 'sync',
  async run(context) {
    const { dir, quick } = context;
    const log = (message: string) => context.log(message);
    const pushes = quick ? 4 : 20;
    const rounds = quick ? 1 : 3;
    const rows: BenchResult[] = [];

    // Context for the push figures: the server verifies one Ed25519 signature per request.
    const keys = generateDeviceKeys();
    const message = utf8('x'.repeat(200));
    const signature = ed25519.sign(message, keys.signSecretKey);
    const n = quick ? 100 : 500;
    const t = performance.now();
    for (let i = 0; i < n; i++) ed25519.verify(signature, message, keys.signPublicKey);
    rows.push(
      result('sync.server ed25519 verify (noble)', n / ((performance.now() - t) / 1000), 'verifies/s'),
    );

    const havePostgres = existsSync(path.join(postgresBinDir(), 'initdb'));
    if (!havePostgres) log(`server: PostgreSQL skipped, no binaries in ${postgresBinDir()}`);
    const cluster = havePostgres ? await startPostgres() : undefined;
    try {
      // Warm-up (JIT, sockets) on a throw-away store, so the baseline is not the cold run.
      const warmUp = SqliteSyncStorage.open(':memory:');
      try {
        await measure(warmUp, 4);
      } finally {
        await warmUp.close();
      }
      // Storages are measured interleaved, `rounds` times, medians reported: the machine's load
      // drifts, and interleaving keeps each ratio to its baseline honest. The baseline, `memory`, is
      // SQLite's private in-memory database under the same rules: no disk, no fsync.
      const kinds = ['memory', 'sqlite', ...(cluster ? ['postgres'] : [])] as const;
      const samples = new Map<string, Measured[]>(kinds.map((k) => [k, []]));
      for (let round = 0; round < rounds; round++) {
        for (const kind of kinds) {
          log(
            `server: round ${round + 1}/${rounds}, ${kind}, ${CLIENTS} clients x ${pushes} pushes x ${DELTAS_PER_PUSH} deltas`,
          );
          const storage: SyncStorage =
            kind === 'memory'
              ? SqliteSyncStorage.open(':memory:')
              : kind === 'sqlite'
                ? SqliteSyncStorage.open(path.join(dir, `sync-${round}.sqlite`))
                : await PostgresSyncStorage.connect(await cluster!.createDatabase(`fv_bench_${round}`), {
                    maxConnections: 20,
                  });
          try {
            samples.get(kind)!.push(await measure(storage, pushes));
          } finally {
            await storage.close();
          }
        }
      }
      const med = (kind: string, pick: (m: Measured) => number) => median(samples.get(kind)!.map(pick));
      const label = (what: string, kind: string) => `sync.server ${what} ${CLIENTS} clients (${kind})`;
      for (const kind of kinds) {
        const baseline = kind === 'memory' ? undefined : 'memory';
        const b = (pick: (m: Measured) => number) => (baseline ? med(baseline, pick) : undefined);
        const push = (m: Measured) => m.pushDeltasPerSec;
        const pull = (m: Measured) => m.pullDeltasPerSec;
        const p95 = (m: Measured) => m.pushP95Ms;
        rows.push(result(label('push', kind), med(kind, push), 'deltas/s', b(push)));
        rows.push(result(label('pull', kind), med(kind, pull), 'deltas/s', b(pull)));
        rows.push(result(label('push p95', kind), med(kind, p95), 'ms', b(p95)));
      }
      // Issue 11: signed, chained, padded envelopes against v1-sized ones, same storage, interleaved.
      const formats = new Map<EnvelopeFormat, Measured[]>([
        ['v1-size', []],
        ['v2', []],
      ]);
      for (let round = 0; round < rounds; round++) {
        for (const format of formats.keys()) {
          log(`server: round ${round + 1}/${rounds}, sqlite, ${format} envelopes`);
          const storage = SqliteSyncStorage.open(path.join(dir, `format-${format}-${round}.sqlite`));
          try {
            formats.get(format)!.push(await measure(storage, pushes, format));
          } finally {
            await storage.close();
          }
        }
      }
      const fmt = (format: EnvelopeFormat, pick: (m: Measured) => number) =>
        median(formats.get(format)!.map(pick));
      for (const [what, pick] of [
        ['push', (m: Measured) => m.pushDeltasPerSec],
        ['pull', (m: Measured) => m.pullDeltasPerSec],
      ] as const) {
        rows.push(
          result(
            `sync.server ${what} (sqlite) signed+padded v2 vs v1-size envelopes`,
            fmt('v2', pick),
            'deltas/s',
            fmt('v1-size', pick),
            '>= 0.83 (within 1.2x)',
          ),
        );
      }
    } finally {
      cluster?.stop();
    }
    return rows;
  },
};
