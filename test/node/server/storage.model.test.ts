import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import type {
  AppendFailure,
  AppendOutcome,
  NewDelta,
  StoredDelta,
  SyncStorage,
} from '../../../server/storage/storage';
import { tempDir } from '../support/tmp';
import { postgresBackend, usePostgresCluster } from './backends';

/** One random step against the log: a push (ids drawn from a small pool, so retries and clashes happen) or a pull. */
type Step =
  | { kind: 'push'; device: number; deltas: { id: number; body: number }[] }
  | { kind: 'pull'; after: number; limit: number; maxBytes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('push' as const),
    device: fc.integer({ min: 0, max: 1 }),
    deltas: fc.array(
      fc.record({ id: fc.integer({ min: 0, max: 15 }), body: fc.integer({ min: 0, max: 2 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  }),
  fc.record({
    kind: fc.constant('pull' as const),
    after: fc.integer({ min: 0, max: 20 }),
    limit: fc.integer({ min: 1, max: 6 }),
    maxBytes: fc.integer({ min: 1, max: 40 }),
  }),
);

// A delta's bytes depend on (id, body, device): same id with another body or device is a clash.
const bytesOf = (id: number, body: number) => new Uint8Array(8 + body * 4).fill(id + 1);

/** The part of the storage contract the model covers: the append-only log. */
type Log = Pick<SyncStorage, 'createWorkspace' | 'appendDeltas' | 'pullDeltas' | 'latestSeq'>;

/**
 * The log's specification as plain code, independent of SQL: ids are unique per workspace, a
 * retried delta (same device and bytes) is a duplicate, any other reuse fails the whole push, and a
 * page stops at `limit` deltas or before exceeding `maxBytes` (but holds at least one).
 */
class LogModel implements Log {
  private readonly log: StoredDelta[] = [];

  createWorkspace(): Promise<'created'> {
    return Promise.resolve('created');
  }

  appendDeltas(
    _workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure> {
    const staged: StoredDelta[] = [];
    const out: AppendOutcome[] = [];
    for (const d of deltas) {
      const old = [...this.log, ...staged].find((x) => x.deltaId === d.deltaId);
      if (old) {
        if (old.deviceId !== deviceId || Buffer.compare(old.envelope, d.envelope) !== 0) {
          return Promise.resolve({ kind: 'conflict', deltaId: d.deltaId });
        }
        out.push({ deltaId: d.deltaId, seq: old.seq, receivedAt: old.receivedAt, duplicate: true });
        continue;
      }
      const seq = this.log.length + staged.length + 1;
      staged.push({ seq, deltaId: d.deltaId, deviceId, receivedAt, envelope: d.envelope });
      out.push({ deltaId: d.deltaId, seq, receivedAt, duplicate: false });
    }
    this.log.push(...staged);
    return Promise.resolve(out);
  }

  pullDeltas(_workspaceId: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]> {
    const out: StoredDelta[] = [];
    let bytes = 0;
    for (const d of this.log.slice(after, after + limit)) {
      if (out.length > 0 && bytes + d.envelope.length > maxBytes) break;
      bytes += d.envelope.length;
      out.push(d);
    }
    return Promise.resolve(out);
  }

  latestSeq(): Promise<number> {
    return Promise.resolve(this.log.length);
  }
}

/** Replays `steps` in a fresh workspace (ids from `tag`, so stores can be shared between runs). */
async function replay(storage: Log, steps: Step[], tag: string): Promise<unknown[]> {
  const ws = `workspace-${tag}`;
  const devices = [`device-${tag}-0`, `device-${tag}-1`];
  await storage.createWorkspace(ws, {
    deviceId: devices[0]!,
    workspaceId: ws,
    signPublicKey: new Uint8Array(32),
    boxPublicKey: new Uint8Array(32),
    status: 'active',
    createdAt: 0,
    revokedAt: null,
    invitedBy: null,
    role: 'member',
  });
  const out: unknown[] = [];
  let t = 0;
  for (const s of steps) {
    if (s.kind === 'push') {
      const deltas = s.deltas.map((d) => ({
        deltaId: `delta-model-${String(d.id).padStart(8, '0')}`,
        envelope: bytesOf(d.id, d.body),
      }));
      out.push(await storage.appendDeltas(ws, devices[s.device]!, deltas, ++t));
    } else {
      // Device ids differ per run; compare which device, not its name.
      const page = await storage.pullDeltas(ws, s.after, s.limit, s.maxBytes);
      out.push(page.map((d) => ({ ...d, deviceId: devices.indexOf(d.deviceId) })));
    }
    out.push(await storage.latestSeq(ws));
  }
  return out;
}

usePostgresCluster();

describe('storage model check', () => {
  it('SQLite and PostgreSQL give exactly the model’s answers for any pushes and pulls', async () => {
    const sqlite = SqliteSyncStorage.open(path.join(tempDir('fv-model-'), 'model.sqlite'));
    const { storage: postgres } = await postgresBackend.open();
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          const tag = `model-${String(run++).padStart(6, '0')}`;
          const expected = await replay(new LogModel(), steps, tag);
          expect(await replay(sqlite, steps, tag)).toEqual(expected);
          expect(await replay(postgres, steps, tag)).toEqual(expected);
        }),
        { numRuns: 60 },
      );
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });
});
