import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { channelNames } from '../../../../shared/ipc/contract';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import {
  guardSensitiveHandlers,
  SENSITIVE_CHANNELS,
  UserPresence,
} from '../../../../electron/services/auth/user-presence';
import type { CallContext, Handlers } from '../../../../electron/services/ipc/router';
import { silentLogger } from '../../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import { PolicyService } from '../../../../electron/services/policy/policy.service';
import { composeVault } from './presence.support';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'not-an-AppError';
  }
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('unlock and sensitive vault actions ask the OS first', () => {
  it('a refused check leaves the vault locked with the typed error and the keychain unread', async () => {
    const auth = new ScriptedAuthenticator();
    const fx = composeVault({ authenticator: auth });
    cleanup = fx.dispose;
    const service = fx.vault.service;
    await service.setup();
    await service.lock();
    const readsBefore = fx.keychain.reads;
    for (const code of ['AUTH_DENIED', 'AUTH_CANCELLED', 'AUTH_UNAVAILABLE'] as const) {
      auth.script(code);
      expect(await codeOf(service.unlock())).toBe(code);
      expect(service.status().state).toBe('locked');
      expect(() => service.access.db()).toThrow(AppError);
    }
    expect(fx.keychain.reads).toBe(readsBefore);
    expect(fx.events.filter((e) => e.event === 'vault.unlocked')).toHaveLength(1); // set-up only
    expect((await service.unlock()).state).toBe('unlocked');
    expect(auth.asked).toEqual(['unlock', 'unlock', 'unlock', 'unlock']);
  });

  it('rekey and restore re-prompt; a refusal changes nothing', async () => {
    const auth = new ScriptedAuthenticator();
    const fx = composeVault({ authenticator: auth });
    cleanup = fx.dispose;
    const service = fx.vault.service;
    const { status } = await service.setup();
    const backup = await service.backup();
    const keyBefore = await fx.keychain.get(status.vaultId!);
    auth.script('AUTH_DENIED', 'AUTH_CANCELLED');
    expect(await codeOf(service.rekey())).toBe('AUTH_DENIED');
    expect(await codeOf(service.restore(backup.backupId))).toBe('AUTH_CANCELLED');
    expect(await fx.keychain.get(status.vaultId!)).toEqual(keyBefore);
    expect(service.listBackups()).toHaveLength(1); // no pre-restore backup: nothing started
    expect(service.status().state).toBe('unlocked');
    await service.rekey();
    expect(await fx.keychain.get(status.vaultId!)).not.toEqual(keyBefore);
    await service.restore(backup.backupId);
    expect(auth.asked).toEqual(['rekey', 'restore', 'rekey', 'restore']);
  });

  it("follows IT's requiredUnlockMethod: keychain asks nothing; os-authentication without an OS check refuses", async () => {
    const auth = new ScriptedAuthenticator('AUTH_DENIED');
    const fx = composeVault({
      authenticator: auth,
      policy: new MemoryPolicySource({ machine: { requiredUnlockMethod: 'keychain' } }),
    });
    cleanup = fx.dispose;
    await fx.vault.service.setup();
    await fx.vault.service.lock();
    expect((await fx.vault.service.unlock()).state).toBe('unlocked');
    expect(auth.asked).toEqual([]);

    const none = composeVault({
      policy: new MemoryPolicySource({ machine: { requiredUnlockMethod: 'os-authentication' } }),
    });
    try {
      await none.vault.service.setup();
      await none.vault.service.lock();
      expect(await codeOf(none.vault.service.unlock())).toBe('AUTH_UNAVAILABLE');
      expect(none.vault.service.status().state).toBe('locked');
    } finally {
      await none.dispose();
    }
  });

  it('a host with an OS check uses it by default; an unsupported platform falls back to the keychain only without policy', async () => {
    const source = new MemoryPolicySource();
    const policy = new PolicyService(source, silentLogger);
    const presence = new UserPresence({
      authenticator: new ScriptedAuthenticator(),
      policy,
      logger: silentLogger,
    });
    expect(await presence.method()).toBe('os-authentication');
    const bare = new UserPresence({ policy, logger: silentLogger });
    expect(await bare.method()).toBe('keychain');
    policy.dispose();
  });
});

describe('sensitive channels of other domains', () => {
  it('export, erase and device revocation run only after the OS confirmed', async () => {
    const ran: string[] = [];
    const handlers = Object.fromEntries(
      channelNames.map((name) => [name, () => void ran.push(name)]),
    ) as Partial<Handlers> as Handlers;
    const auth = new ScriptedAuthenticator('AUTH_DENIED');
    const policy = new PolicyService(new MemoryPolicySource(), silentLogger);
    const guarded = guardSensitiveHandlers(
      handlers,
      new UserPresence({ authenticator: auth, policy, logger: silentLogger }),
    );
    const ctx: CallContext = { sender: { transport: 'test', url: 'test:', isMainFrame: true }, callId: 'x' };
    for (const name of Object.keys(SENSITIVE_CHANNELS) as (keyof typeof SENSITIVE_CHANNELS)[]) {
      const call = guarded[name] as (input: unknown, c: typeof ctx) => unknown;
      expect(await codeOf(Promise.resolve().then(() => call(undefined, ctx)))).toBe('AUTH_DENIED');
    }
    expect(ran).toEqual([]);
    auth.fallback = 'ok';
    for (const name of Object.keys(SENSITIVE_CHANNELS) as (keyof typeof SENSITIVE_CHANNELS)[]) {
      const call = guarded[name] as (input: unknown, c: typeof ctx) => unknown;
      await call(undefined, ctx);
    }
    expect(ran).toEqual(Object.keys(SENSITIVE_CHANNELS));
    expect(auth.asked).toEqual([...Object.values(SENSITIVE_CHANNELS), ...Object.values(SENSITIVE_CHANNELS)]);
    // Everything else is passed through untouched.
    expect(guarded['vault.status']).toBe(handlers['vault.status']);
    policy.dispose();
  });
});
