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

  function start(machine: Record<string, unknown>) {
    const services = createTestServices(tempDir('fv-retention-'), {
      policy: new MemoryPolicySource({ machine }),
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
});
