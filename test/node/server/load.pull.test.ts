import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { SYNC_LIMITS } from '../../../shared/sync/protocol';
import type { SyncStorage } from '../../../server/storage/storage';
import {
  enrolDevices,
  newTrace,
  opName,
  OP_BYTES,
  preparePushes,
  pullInto,
  sendPrepared,
  type LoadDevice,
  type PullTrace,
} from '../../support/sync-load';
import { postgresBackend, sqliteBackend, usePostgresCluster } from './backends';
import { listen, type RunningServer } from './harness';

/**
 * Issue 17's server load test: 50 concurrent devices (10 workspaces of 5) push ops of ~300 B, one op
 * per delta and then 50 per delta, while every device follows its workspace's log live; afterwards
 * every device pulls the whole log again from 0 as a new device would. Every pull, live or cold,
 * must deliver every op of its workspace exactly once, in sequence order, each author's ops in the
 * order it pushed them, over pages capped by bytes, on SQLite and PostgreSQL.
 */
const DEVICES = 50;
const PER_WORKSPACE = 5;

function expectEveryOpOnce(
  trace: PullTrace,
  authors: readonly LoadDevice[],
  ops: number,
  range: { readonly from: number; readonly deltas: number },
): void {
  // Sequence numbers: from+1 .. from+deltas, each once, ascending.
  expect(trace.seqs).toEqual(Array.from({ length: range.deltas }, (_, i) => range.from + i + 1));
  expect(trace.ops.length).toBe(authors.length * ops);
  expect(new Set(trace.ops).size).toBe(trace.ops.length);
  for (const author of authors) {
    const mine = trace.ops.filter((op) => op.startsWith(`${author.deviceId}:`));
    expect(mine).toEqual(Array.from({ length: ops }, (_, i) => opName(author.deviceId, i, range.from)));
  }
}

describe.each([sqliteBackend, postgresBackend])('sync server load, 50 devices: $name', (backend) => {
  if (backend.name === 'postgres') usePostgresCluster();
  // One storage and one enrolment for both cases; each case runs its own server instance on it
  // (instances are stateless), with its own page limit.
  let storage: SyncStorage | undefined;
  let devices: LoadDevice[] = [];
  const workspaces = new Map<string, LoadDevice[]>();
  let enrolServer: RunningServer | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    // backend.open() ties a SQLite file to one test; this store lives for the whole suite.
    if (backend.name === 'sqlite') {
      dir = mkdtempSync(path.join(tmpdir(), 'fv-load-'));
      storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    } else ({ storage } = await backend.open());
    enrolServer = await listen({ storage, limits: { rateMax: 1_000_000 } });
    devices = await enrolDevices(enrolServer.url, DEVICES, PER_WORKSPACE);
    for (const d of devices) workspaces.set(d.workspaceId, [...(workspaces.get(d.workspaceId) ?? []), d]);
  }, 60_000);
  afterAll(async () => {
    await enrolServer?.close();
    await storage?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    // Default limits: 550 one-op deltas per workspace come in one page, past the old 500-delta cap.
    { mode: 'one op per delta', ops: 110, opsPerDelta: 1, maxPageBytes: SYNC_LIMITS.maxPageBytes },
    // A small byte cap: four 15 KB deltas to a page, so every pull loops over pages until caught up.
    { mode: '50 ops per delta', ops: 200, opsPerDelta: 50, maxPageBytes: 64 * 1024 },
  ])(
    '$mode: every live and every cold pull returns every op exactly once, in order',
    async ({ ops, opsPerDelta, maxPageBytes }) => {
      const server = await listen({ storage: storage!, limits: { rateMax: 1_000_000, maxPageBytes } });
      try {
        const url = server.url;
        const from = await storage!.latestSeq(devices[0]!.workspaceId);
        for (const d of devices) expect(await storage!.latestSeq(d.workspaceId)).toBe(from);
        const deltasPerDevice = Math.ceil(ops / opsPerDelta);
        const deltas = PER_WORKSPACE * deltasPerDevice;
        const range = { from, deltas };

        // All 50 push at once while all 50 follow their log (long-polling when caught up).
        const pushes = devices.map((d) => preparePushes(d, ops, opsPerDelta, from));
        const live = devices.map(() => newTrace(from));
        await Promise.all([
          ...devices.map(async (_d, i) => {
            for (const p of pushes[i]!) await sendPrepared(url, p);
          }),
          ...devices.map((d, i) => pullInto(url, d, live[i]!, from + deltas)),
        ]);
        // Then each pulls the new part of the log again, all at once (50 concurrent catch-ups).
        const cold = await Promise.all(devices.map((d) => pullInto(url, d, newTrace(from))));

        for (const [i, d] of devices.entries()) {
          const authors = workspaces.get(d.workspaceId)!;
          expectEveryOpOnce(live[i]!, authors, ops, range);
          expectEveryOpOnce(cold[i]!, authors, ops, range);
        }
        // Pages are capped by bytes, not by count: as many deltas as fit, and the client loops.
        const envelopeBytes = opsPerDelta * OP_BYTES;
        const pageDeltas = Math.min(deltas, Math.max(1, Math.floor(maxPageBytes / envelopeBytes)));
        for (const trace of cold) {
          expect(trace.largestPage).toBe(pageDeltas);
          expect(trace.requests).toBe(Math.ceil(deltas / pageDeltas));
        }
      } finally {
        await server.close();
      }
    },
    60_000,
  );
});
