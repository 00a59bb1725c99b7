import { describe, expect, it } from 'vitest';
import { createTestVault, realKeychain, runFixture, testKeychainService } from '../../support/vault';
import { tempDir } from '../../support/tmp';

const KILLS = 200;
const LANES = 4;

/** One lane: one vault, killed again and again; every reopen must pass the checks. */
async function lane(kills: number): Promise<{ kills: number; committed: number }> {
  const dir = tempDir('fv-crash-');
  const service = testKeychainService();
  const setup = createTestVault(dir, realKeychain(service)).service;
  await setup.setup();
  await setup.lock();
  let done = 0;
  let committed = 0;
  while (done < kills) {
    const reported = new Set<number>();
    let timer: NodeJS.Timeout | undefined;
    const run = await runFixture('test/node/fixtures/vault-crash-child.ts', [dir, service], {
      onLine: (line, kill) => {
        if (line === 'READY') timer = setTimeout(kill, 5 + Math.random() * 120);
        else if (line.startsWith('C ')) reported.add(Number(line.slice(2)));
      },
    });
    clearTimeout(timer);
    if (run.signal !== 'SIGKILL')
      throw new Error(`child ended without being killed: ${run.code} ${run.stderr}`);
    done++;

    const { service: vault } = createTestVault(dir, realKeychain(service));
    const status = await vault.unlock();
    expect(status.state).toBe('unlocked');
    const db = vault.access.db();
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const hasOps = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'ops'").get();
    if (hasOps) {
      const present = new Map(
        db
          .prepare<[], { txn: number; n: number; c: number }>(
            'SELECT txn, n, count(*) AS c FROM ops GROUP BY txn',
          )
          .all()
          .map((r) => [r.txn, r]),
      );
      // Atomic: every transaction present has all its rows.
      for (const r of present.values()) expect(r.c).toBe(r.n);
      // Durable: every transaction the child saw committed is there.
      for (const t of reported) expect(present.has(t), `txn ${t}`).toBe(true);
    } else {
      expect(reported.size).toBe(0);
    }
    committed += reported.size;
    await vault.lock();
  }
  return { kills: done, committed };
}

describe('crash safety: SIGKILL at random moments', () => {
  it(`survives ${KILLS} kills: the vault opens, integrity_check is ok, every reported commit is present`, async () => {
    const results = await Promise.all(Array.from({ length: LANES }, () => lane(KILLS / LANES)));
    expect(results.reduce((n, r) => n + r.kills, 0)).toBeGreaterThanOrEqual(KILLS);
    // The kills landed while work was going on, not only before the first commit.
    expect(results.reduce((n, r) => n + r.committed, 0)).toBeGreaterThan(KILLS);
  }, 600_000);
});
