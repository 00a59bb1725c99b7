import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { waitResponseSchema } from '../../../shared/sync/protocol';
import type { SyncStorage } from '../../../server/storage/storage';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { listen, type RunningServer } from './harness';
import { TestDevice } from './sync-client';

/**
 * Makes `storage.latestSeq` run `during` (once armed) after reading and before answering, so a push
 * lands exactly between a long-poll's read and its wait.
 */
function racing(storage: SyncStorage): { arm(during: () => Promise<void>): void } {
  let during: (() => Promise<void>) | null = null;
  const read = storage.latestSeq.bind(storage);
  storage.latestSeq = async (workspaceId: string) => {
    const seq = await read(workspaceId);
    const run = during;
    during = null;
    if (run) await run();
    return seq;
  };
  return { arm: (fn) => void (during = fn) };
}

describe('long-poll wake-up', () => {
  const open: { close(): Promise<void> }[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is not lost when a push lands between reading the log top and starting to wait', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fv-wait-'));
    dirs.push(dir);
    const real = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    const race = racing(real);
    // No periodic check inside the test's time: only the push's own wake-up can end the wait early.
    const server: RunningServer = await listen({
      storage: real,
      limits: { pollIntervalMs: 60_000 },
    });
    open.push(real, server);
    const a = new TestDevice(server.url);
    await a.createWorkspace();
    const b = new TestDevice(server.url);
    expect((await b.accept(await a.invite())).status).toBe(200);

    race.arm(async () => {
      expect((await a.push([a.seal('between read and wait')])).results).toHaveLength(1);
    });
    const waiting = b.call(
      'GET',
      syncPath(syncRoutes.wait, { workspaceId: b.workspaceId }, { after: 0, timeoutMs: 20_000 }),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>(
      (resolve) => (timer = setTimeout(() => resolve('deadline'), 10_000)),
    );
    const first = await Promise.race([waiting.then(() => 'woken' as const), deadline]);
    clearTimeout(timer);
    expect(first).toBe('woken');
    expect(waitResponseSchema.parse((await waiting).json)).toEqual({ latestSeq: 1, changed: true });
  }, 30_000);
});
