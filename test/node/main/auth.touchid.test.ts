import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TouchIdAuthenticator, touchIdFailure } from '../../../electron/main/auth.touchid';
import { ElectronSessionSignals } from '../../../electron/main/session.electron';
import type { SessionEvent } from '../../../electron/services/vault/vault.session';
import { authenticatorContract } from '../services/auth/auth.contract';

/** Stands in for Electron's systemPreferences.promptTouchID: resolves or rejects as LocalAuthentication does. */
class FakePrefs {
  next: string | null = null;
  prompts: string[] = [];
  promptTouchID(reason: string): Promise<void> {
    this.prompts.push(reason);
    return this.next === null ? Promise.resolve() : Promise.reject(new Error(this.next));
  }
}

authenticatorContract('macOS Touch ID / device password (Electron promptTouchID, stubbed)', () => {
  const prefs = new FakePrefs();
  const next = (message: string | null) => () => {
    prefs.next = message;
    return Promise.resolve();
  };
  return Promise.resolve({
    auth: new TouchIdAuthenticator(prefs),
    arrange: {
      ok: next(null),
      AUTH_DENIED: next('Application retry limit exceeded.'),
      AUTH_CANCELLED: next('Canceled by user.'),
      AUTH_UNAVAILABLE: next('Biometry is not available on this device.'),
    },
  });
});

describe('TouchIdAuthenticator', () => {
  it('says why it asks, without customer data, and treats unknown (localised) errors as a refusal', async () => {
    const prefs = new FakePrefs();
    await new TouchIdAuthenticator(prefs).authenticate('export');
    expect(prefs.prompts).toEqual(['export customer records']);
    expect(touchIdFailure('Échec de l’authentification')).toMatchObject({ ok: false, code: 'AUTH_DENIED' });
  });
});

describe('ElectronSessionSignals', () => {
  it('reads the system idle time and forwards suspend and lock-screen until unsubscribed', () => {
    const power = Object.assign(new EventEmitter(), { getSystemIdleTime: () => 42 });
    const signals = new ElectronSessionSignals(power);
    const seen: SessionEvent[] = [];
    expect(signals.idleSeconds()).toBe(42);
    const off = signals.onEvent((e) => seen.push(e));
    power.emit('suspend');
    power.emit('lock-screen');
    off();
    power.emit('suspend');
    expect(seen).toEqual(['suspend', 'lock-screen']);
    expect(power.listenerCount('suspend')).toBe(0);
  });
});
