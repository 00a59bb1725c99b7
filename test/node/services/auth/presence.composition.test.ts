import { describe, expect, it } from 'vitest';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import { ManualSessionSignals } from '../../../../electron/services/vault/vault.session';
import { writeSettings } from '../../../../electron/services/settings/settings.module';
import { defaultSettings } from '../../../../shared/ipc/channels/settings.channels';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';
import { until } from './presence.support';

/**
 * The shipped composition (`createServices`) with only the OS seams replaced: the scripted OS check
 * and a manual session source. Channels go through the real router.
 */
describe('the composition root puts the OS check in front of unlock and every sensitive channel', () => {
  it('a refused unlock is a typed error with nothing opened; export, erase, revoke and key rotation re-prompt', async () => {
    const auth = new ScriptedAuthenticator();
    const services = createTestServices(tempDir(), {
      authenticator: auth,
      tuning: { recoveryKdf: { N: 2 ** 12, r: 8, p: 1 } },
    });
    const call = (channel: string, input?: unknown) => services.router.dispatch(channel, input, testSender);
    try {
      expect((await call('vault.setup')).ok).toBe(true);
      await call('vault.lock');
      for (const code of ['AUTH_DENIED', 'AUTH_CANCELLED', 'AUTH_UNAVAILABLE'] as const) {
        auth.script(code);
        expect(await call('vault.unlock')).toMatchObject({ ok: false, error: { code } });
        expect(await call('vault.status')).toMatchObject({ ok: true, value: { state: 'locked' } });
        expect(await call('contacts.list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
      }
      expect(await call('vault.unlock')).toMatchObject({ ok: true, value: { state: 'unlocked' } });
      auth.asked.length = 0;

      auth.fallback = 'AUTH_DENIED';
      const sensitive: [string, unknown][] = [
        ['export.csv', { entity: 'contact' }],
        ['export.vcard', {}],
        ['privacy.erasePerson', { contactId: '0190a3f1-6c1e-7000-8000-000000000001' }],
        ['vault.rekey', undefined],
        ['devices.revoke', { deviceId: 'a'.repeat(32) }],
        ['sync.rotateKey', undefined],
      ];
      for (const [channel, input] of sensitive) {
        const result = await call(channel, input);
        expect({ channel, code: result.ok ? 'ok' : result.error.code }).toEqual({
          channel,
          code: 'AUTH_DENIED',
        });
      }
      expect(auth.asked).toEqual(['export', 'export', 'erase', 'rekey', 'revoke-device', 'rotate-key']);
      auth.fallback = 'ok';
      expect((await call('export.csv', { entity: 'contact' })).ok).toBe(true);
    } finally {
      await services.dispose();
    }
  });

  it("main's idle lock fires with no renderer at all and pushes vault.locked", async () => {
    const session = new ManualSessionSignals();
    const dir = tempDir();
    writeSettings(dir, { ...defaultSettings, lockTimeoutMinutes: 1 });
    const services = createTestServices(dir, {
      session,
      tuning: { recoveryKdf: { N: 2 ** 12, r: 8, p: 1 }, autoLockPollMs: 20 },
    });
    const events: unknown[] = [];
    services.router.onEvent((event, payload) => events.push({ event, payload }));
    try {
      await services.router.dispatch('vault.setup', undefined, testSender);
      session.setIdleSeconds(61);
      await until(() => services.parts.vault.status().state === 'locked', 'the idle lock');
      expect(events).toContainEqual({ event: 'vault.locked', payload: { reason: 'timeout' } });
    } finally {
      await services.dispose();
    }
  });
});
