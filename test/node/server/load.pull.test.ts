import { afterEach, describe, expect, it } from 'vitest';
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
  deltas: number,
): void {
  // Sequence numbers: 1..deltas, each once, ascending.
  expect(trace.seqs).toEqual(Array.from({ length: deltas }, (_, i) => i + 1));
  expect(trace.ops.length).toBe(authors.length * ops);
  expect(new Set(trace.ops).size).toBe(trace.ops.length);
  for (const author of authors) {
    const mine = trace.ops.filter((op) => op.startsWith(`${author.deviceId}:`));
    expect(mine).toEqual(Array.from({ length: ops }, (_, i) => opName(author.deviceId, i)));
  }
}

describe.each([sqliteBackend, postgresBackend])('sync server load, 50 devices: $name', (backend) => {
  if (backend.name === 'postgres') usePostgresCluster();
  let storage: SyncStorage | undefined;
  let server: RunningServer | undefined;

  afterEach(async () => {
    await server?.close();
    await storage?.close();
    server = undefined;
    storage = undefined;
  });

  it.each([
    // Default limits: 600 one-op deltas per workspace come in one page, past the old 500-delta cap.
    { mode: 'one op per delta', ops: 120, opsPerDelta: 1, maxPageBytes: SYNC_LIMITS.maxPageBytes },
    // A small byte cap: four 15 KB deltas to a page, so every pull loops over pages until caught up.
    { mode: '50 ops per delta', ops: 200, opsPerDelta: 50, maxPageBytes: 64 * 1024 },
  ])(
    '$mode: every live and every cold pull returns every op exactly once, in order',
    async ({ ops, opsPerDelta, maxPageBytes }) => {
      ({ storage } = await backend.open());
      server = await listen({ storage, limits: { rateMax: 1_000_000, maxPageBytes } });
      const url = server.url;
      const devices = await enrolDevices(url, DEVICES, PER_WORKSPACE);
      const workspaces = new Map<string, LoadDevice[]>();
      for (const d of devices) workspaces.set(d.workspaceId, [...(workspaces.get(d.workspaceId) ?? []), d]);
      const deltasPerDevice = Math.ceil(ops / opsPerDelta);
      const deltas = PER_WORKSPACE * deltasPerDevice;

      // All 50 push at once while all 50 follow their log (long-polling when caught up).
      const pushes = devices.map((d) => preparePushes(d, ops, opsPerDelta));
      const live = devices.map(() => newTrace());
      await Promise.all([
        ...devices.map(async (_d, i) => {
          for (const p of pushes[i]!) await sendPrepared(url, p);
        }),
        ...devices.map((d, i) => pullInto(d, live[i]!, deltas)),
      ]);
      // Then each pulls the whole log from 0, all at once (50 concurrent bootstraps).
      const cold = await Promise.all(devices.map((d) => pullInto(d, newTrace())));

      for (const [i, d] of devices.entries()) {
        const authors = workspaces.get(d.workspaceId)!;
        expectEveryOpOnce(live[i]!, authors, ops, deltas);
        expectEveryOpOnce(cold[i]!, authors, ops, deltas);
      }
      // Pages are capped by bytes, not by count: as many deltas as fit, and the client loops.
      const envelopeBytes = opsPerDelta * OP_BYTES;
      const pageDeltas = Math.min(deltas, Math.max(1, Math.floor(maxPageBytes / envelopeBytes)));
      for (const trace of cold) {
        expect(trace.largestPage).toBe(pageDeltas);
        expect(trace.requests).toBe(Math.ceil(deltas / pageDeltas));
      }
    },
    60_000,
  );
});
