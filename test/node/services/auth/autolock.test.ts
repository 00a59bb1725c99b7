import { afterEach, describe, expect, it } from 'vitest';
import { writeSettings } from '../../../../electron/services/settings/settings.module';
import { defaultSettings } from '../../../../shared/ipc/channels/settings.channels';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import { ManualSessionSignals } from '../../../../electron/services/vault/vault.session';
import { composeVault, until } from './presence.support';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

function lockReasons(events: { event: string; payload: unknown }[]): unknown[] {
  return events
    .filter((e) => e.event === 'vault.locked')
    .map((e) => (e.payload as { reason: unknown }).reason);
}

describe('locking in main (system idle time and session events, no renderer involved)', () => {
  it('locks once the OS session has been idle for the timeout from settings', async () => {
    const session = new ManualSessionSignals();
    const fx = composeVault({ session, autoLockPollMs: 20 });
    cleanup = fx.dispose;
    writeSettings(fx.dataDir, { ...defaultSettings, lockTimeoutMinutes: 5 });
    await fx.vault.service.setup();
    session.setIdleSeconds(4 * 60);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fx.vault.service.status().state).toBe('unlocked');
    session.setIdleSeconds(5 * 60);
    await until(() => fx.vault.service.status().state === 'locked', 'the idle lock');
    expect(lockReasons(fx.events)).toEqual(['timeout']);
  });

  it("IT's lock timeout replaces the user's; 0 (never) never locks on idle", async () => {
    const session = new ManualSessionSignals();
    const policy = new MemoryPolicySource({ machine: { lockTimeoutMinutes: 1 } });
    const fx = composeVault({ session, policy, autoLockPollMs: 20 });
    cleanup = fx.dispose;
    writeSettings(fx.dataDir, { ...defaultSettings, lockTimeoutMinutes: 0 });
    await fx.vault.service.setup();
    session.setIdleSeconds(60);
    await until(() => fx.vault.service.status().state === 'locked', 'the policy idle lock');
    policy.set({ machine: null });
    session.setIdleSeconds(0);
    await fx.vault.service.unlock();
    session.setIdleSeconds(10 * 24 * 3600);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fx.vault.service.status().state).toBe('unlocked');
  });

  it('suspend (and lid close, which arrives as suspend) and screen lock lock at once', async () => {
    const session = new ManualSessionSignals();
    const fx = composeVault({ session, autoLockPollMs: 60_000 });
    cleanup = fx.dispose;
    await fx.vault.service.setup();
    session.fire('suspend');
    await until(() => fx.vault.service.status().state === 'locked', 'the suspend lock');
    await fx.vault.service.unlock();
    session.fire('lock-screen');
    await until(() => fx.vault.service.status().state === 'locked', 'the screen-lock lock');
    expect(lockReasons(fx.events)).toEqual(['suspend', 'lock-screen']);
  });
});
