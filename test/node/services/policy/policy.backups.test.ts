import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import type { Services } from '../../../../electron/services/services';
import type { ChannelInput, ChannelName } from '../../../../shared/ipc/contract';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';

/** Issue 16: IT's backup retention is enforced in main, at every backup. */
describe('policy backupRetentionCount', () => {
  const running: Services[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.dispose();
  });

  function start(machine: Record<string, unknown>, now: () => number = Date.now) {
    const services = createTestServices(tempDir('fv-retention-'), {
      policy: new MemoryPolicySource({ machine }),
      now,
    });
    running.push(services);
    return <C extends ChannelName>(channel: C, input?: ChannelInput<C>) =>
      services.router.dispatch(channel, input, testSender);
  }

  it('keeps only the newest N backups; without the key every backup stays', async () => {
    for (const [machine, expected] of [
      [{ backupRetentionCount: 2 }, 2],
      [{}, 4],
    ] as const) {
      const call = start(machine);
      expect((await call('vault.setup')).ok).toBe(true);
      const made: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await call('vault.backup');
        if (!r.ok) throw new Error(r.error.code);
        made.push((r.value as { backupId: string }).backupId);
      }
      const list = await call('vault.listBackups');
      if (!list.ok) throw new Error(list.error.code);
      const ids = (list.value as { backupId: string }[]).map((b) => b.backupId);
      expect(ids).toHaveLength(expected);
      // The newest ones are the ones kept.
      expect(ids.sort()).toEqual(made.slice(-expected).sort());
    }
  });

  it('backupRetentionDays (policy, or the user setting when IT leaves it alone) deletes backups older than N days', async () => {
    const DAY = 86_400_000;
    for (const via of ['policy', 'settings'] as const) {
      let clock = Date.parse('2026-05-01T08:00:00Z');
      const call = start(via === 'policy' ? { backupRetentionDays: 2 } : {}, () => clock);
      expect((await call('vault.setup')).ok).toBe(true);
      if (via === 'settings') {
        expect(await call('settings.update', { backupRetentionDays: 2 })).toMatchObject({ ok: true });
      } else {
        // IT's value is the one in force, and the user cannot change it.
        expect(await call('settings.get')).toMatchObject({ ok: true, value: { backupRetentionDays: 2 } });
        expect(await call('settings.update', { backupRetentionDays: 90 })).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION' },
        });
      }
      const made: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await call('vault.backup');
        if (!r.ok) throw new Error(r.error.code);
        made.push((r.value as { backupId: string }).backupId);
        clock += DAY;
      }
      const list = await call('vault.listBackups');
      if (!list.ok) throw new Error(list.error.code);
      // Made on days 0..3; the last backup (day 3) deletes those from before day 1.
      expect(
        (list.value as { backupId: string }[]).map((b) => b.backupId),
        via,
      ).toEqual(made.slice(1).reverse());
    }
  });
});
