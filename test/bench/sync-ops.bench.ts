import { existsSync } from 'node:fs';
import path from 'node:path';
import { createSyncServer } from '../../server/app';
import { PostgresSyncStorage } from '../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../server/storage/storage.sqlite';
import type { SyncStorage } from '../../server/storage/storage';
import { SYNC_LIMITS } from '../../shared/sync/protocol';
import { syncPath, syncRoutes } from '../../shared/sync/routes';
import { signRequest } from '../../shared/sync/signing';
import { postgresBinDir, startPostgres } from '../support/postgres';
import { enrolDevices, preparePushes, sendPrepared, type LoadDevice } from '../support/sync-load';
import { median, result, type BenchResult, type BenchSuite } from './bench.types';

/**
 * Issue 17, item 4: the server at the op level. 50 concurrent devices (10 workspaces of 5) push
 * ops of ~300 B, one op per delta and 50 per delta, 200 and 1,000 ops each, then all pull their
 * workspace's whole log at once, page after page. Pushes are sealed and signed before the clock
 * starts; pulls are signed as they go (a few per device) and only their JSON is parsed, so the
 * figures are the server's. Storages: SQLite (WAL, synchronous=FULL) and PostgreSQL with fsync on.
 *
 * Actual Budget's sync server is not installed on this machine (no copy of it may be built here),
 * so the ratios are against the figures issue 17 measured for it on this kind of machine (2 cores):
 * push 5.4k ops/s and pull 226k delivered ops/s with one op per delta, 3.5k and 161k packed.
 */
const DEVICES = 50;
const ACTUAL = {
  1: { push: 5_400, pull: 226_000 },
  50: { push: 3_500, pull: 161_000 },
} as const;

interface Sample {
  readonly pushOps: number;
  readonly pullOps: number;
  readonly pushRssMiB: number;
  readonly pullRssMiB: number;
}

/**
 * How far RSS rises above its level at the start while `work` runs, sampled every 20 ms (server and
 * clients share this process, and RSS rarely shrinks, so the rise is the phase's own memory).
 */
async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMiB: (peak - start) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Pulls `device`'s whole log from 0 following `hasMore`; returns the deltas delivered. */
async function pullAll(url: string, device: LoadDevice): Promise<number> {
  let after = 0;
  let deltas = 0;
  for (;;) {
    const p = syncPath(
      syncRoutes.pull,
      { workspaceId: device.workspaceId },
      { after, limit: SYNC_LIMITS.maxPageSize },
    );
    const headers = signRequest({
      method: 'GET',
      path: p,
      deviceId: device.deviceId,
      signSecretKey: device.signSecretKey,
    });
    const response = await fetch(url + p, { headers });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`bench pull failed with ${response.status}`);
    const page = JSON.parse(text) as { deltas: unknown[]; nextCursor: number; hasMore: boolean };
    deltas += page.deltas.length;
    after = page.nextCursor;
    if (!page.hasMore) return deltas;
  }
}

async function measure(storage: SyncStorage, ops: number, opsPerDelta: number): Promise<Sample> {
  const app = await createSyncServer({ storage, limits: { rateMax: 10_000_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const devices = await enrolDevices(url, DEVICES);
    const pushes = devices.map((d) => preparePushes(d, ops, opsPerDelta));
    global.gc?.();
    const t0 = performance.now();
    const push = await peakRss(() =>
      Promise.all(
        pushes.map(async (queue) => {
          for (const p of queue) await sendPrepared(url, p);
        }),
      ),
    );
    const pushSeconds = (performance.now() - t0) / 1000;
    global.gc?.();
    const t1 = performance.now();
    const pull = await peakRss(() => Promise.all(devices.map((d) => pullAll(url, d))));
    const pullSeconds = (performance.now() - t1) / 1000;
    const perWorkspace = 5 * Math.ceil(ops / opsPerDelta);
    for (const n of pull.value)
      if (n !== perWorkspace) throw new Error(`pulled ${n} deltas, expected ${perWorkspace}`);
    return {
      pushOps: (DEVICES * ops) / pushSeconds,
      pullOps: (DEVICES * 5 * ops) / pullSeconds,
      pushRssMiB: push.peakMiB,
      pullRssMiB: pull.peakMiB,
    };
  } finally {
    await app.close();
  }
}

export const syncOpsBench: BenchSuite = {
  name: 'sync-ops',
  async run(context) {
    const rounds = context.quick ? 1 : 3;
    const rows: BenchResult[] = [];
    const havePostgres = existsSync(path.join(postgresBinDir(), 'initdb'));
    if (!havePostgres) context.log(`sync-ops: PostgreSQL skipped, no binaries in ${postgresBinDir()}`);
    const cluster = havePostgres ? await startPostgres({ durable: true }) : undefined;
    let databases = 0;
    try {
      for (const kind of ['sqlite', ...(cluster ? ['postgres'] : [])] as const) {
        for (const ops of [200, 1_000]) {
          for (const opsPerDelta of [1, 50] as const) {
            const samples: Sample[] = [];
            for (let round = 0; round < rounds; round++) {
              context.log(
                `sync-ops: ${kind}, ${DEVICES} devices x ${ops} ops, ${opsPerDelta} per delta, round ${round + 1}`,
              );
              const storage: SyncStorage =
                kind === 'sqlite'
                  ? SqliteSyncStorage.open(
                      path.join(context.dir, `ops-${ops}-${opsPerDelta}-${round}.sqlite`),
                    )
                  : await PostgresSyncStorage.connect(
                      await cluster!.createDatabase(`fv_ops_${++databases}`),
                      {
                        maxConnections: 20,
                      },
                    );
              try {
                samples.push(await measure(storage, ops, opsPerDelta));
              } finally {
                await storage.close();
              }
            }
            const med = (pick: (s: Sample) => number) => median(samples.map(pick));
            const what = `${DEVICES} devices x ${ops} ops, ${opsPerDelta === 1 ? '1 op' : '50 ops'}/delta (${kind}${kind === 'postgres' ? ', fsync on' : ''})`;
            const actual = ACTUAL[opsPerDelta];
            rows.push(
              result(
                `sync.server push ${what} vs Actual (issue figure)`,
                med((s) => s.pushOps),
                'ops/s',
                actual.push,
                '>= 3',
              ),
            );
            rows.push(
              result(
                `sync.server pull ${what} vs Actual (issue figure)`,
                med((s) => s.pullOps),
                'ops/s',
                actual.pull,
                '>= 2',
              ),
            );
            rows.push(
              result(
                `sync.server push RSS rise ${what}`,
                med((s) => s.pushRssMiB),
                'MiB',
              ),
            );
            rows.push(
              result(
                `sync.server pull RSS rise ${what}`,
                med((s) => s.pullRssMiB),
                'MiB',
              ),
            );
          }
        }
      }
    } finally {
      cluster?.stop();
    }
    return rows;
  },
};
