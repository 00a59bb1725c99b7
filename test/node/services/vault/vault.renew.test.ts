import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../../../electron/services/log/logger';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import { composeVault } from '../auth/presence.support';
import { addNote, noteBodies, notesMigrations, TEST_KDF } from '../../support/vault';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'not-an-AppError';
  }
}

/** The same data directory opened on a fresh keychain (a new OS install): only a recovery code opens it. */
function onFreshKeychain(dataDir: string): VaultService {
  return new VaultService({
    dataDir,
    keychain: new MemoryKeychain(),
    migrations: [notesMigrations],
    logger: silentLogger,
    now: Date.now,
    recoveryKdf: TEST_KDF,
  });
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('recovery code lifecycle', () => {
  it('onboarding is persisted; a renewed code (after the OS check) recovers on a fresh keychain and the old one fails', async () => {
    const auth = new ScriptedAuthenticator();
    const fx = composeVault({ authenticator: auth });
    cleanup = fx.dispose;
    const vault = fx.vault.service;
    const { recoveryCode: oldCode } = await vault.setup();
    addNote(vault, 'kept');
    // A reload before the confirmation finds it still pending.
    expect(vault.recoveryConfirmed()).toBe(false);
    await vault.confirmRecoveryCode();
    expect(vault.recoveryConfirmed()).toBe(true);

    auth.script('AUTH_DENIED');
    expect(await codeOf(vault.renewRecoveryCode())).toBe('AUTH_DENIED');
    const newCode = await vault.renewRecoveryCode();
    expect(newCode).not.toBe(oldCode);
    expect(auth.asked.filter((r) => r === 'recovery-code')).toHaveLength(2);
    expect(vault.recoveryConfirmed()).toBe(false);
    // A rekey afterwards re-wraps for the new code (the keychain holds the new wrapping key).
    await vault.rekey();
    await vault.lock();

    const fresh = onFreshKeychain(fx.dataDir);
    expect(await codeOf(fresh.unlock())).toBe('KEY_MISSING');
    expect(await codeOf(fresh.recover(oldCode))).toBe('RECOVERY_CODE_INVALID');
    await waitForThrottle(fresh, newCode);
    expect(noteBodies(fresh)).toEqual(['kept']);
    await fresh.dispose();
  }, 60_000);

  it('a renewal interrupted after the keychain took the new wrapping key is finished at the next open', async () => {
    const fx = composeVault({ authenticator: new ScriptedAuthenticator() });
    cleanup = fx.dispose;
    const vault = fx.vault.service;
    const { recoveryCode: oldCode } = await vault.setup();
    const dir = path.join(fx.dataDir, 'vault');
    const saved = (name: string) => copyFileSync(path.join(dir, name), path.join(dir, `${name}.before`));
    const put = (from: string, to: string) => copyFileSync(path.join(dir, from), path.join(dir, to));
    saved('recovery.json');
    const newCode = await vault.renewRecoveryCode();
    await vault.lock();
    // Crash after the keychain took the new wrapping key, before the new wrap replaced the old: finish it.
    put('recovery.json', 'recovery.json.next');
    put('recovery.json.before', 'recovery.json');
    await vault.unlock();
    expect(existsSync(path.join(dir, 'recovery.json.next'))).toBe(false);
    await vault.lock();
    expect(await codeOf(onFreshKeychain(fx.dataDir).recover(newCode))).toBe('ok');
    expect(oldCode).not.toBe(newCode);
  }, 60_000);
});

/** Recovers with `code`, waiting out the throttle's delay from the wrong attempt before it. */
async function waitForThrottle(vault: VaultService, code: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const result = await codeOf(vault.recover(code));
    if (result === 'ok') return;
    if (result !== 'RATE_LIMITED' && result !== 'RECOVERY_CODE_INVALID') throw new Error(result);
    if (Date.now() > end) throw new Error('throttle never let the code through');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
