import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import {
  KeytarKeychain,
  mapKeytarError,
  type KeytarApi,
} from '../../../../electron/services/keychain/keychain.keytar';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { realKeychain, repoRoot, testKeychainService } from '../../support/vault';

/** The contract every Keychain implementation must meet; run against the real one and the test double. */
function contract(name: string, make: () => Keychain): void {
  describe(`Keychain contract: ${name}`, () => {
    it('round-trips bytes exactly, replaces, deletes, and reports a missing entry as null', async () => {
      const k = make();
      const secret = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
      expect(await k.get('vault-1')).toBeNull();
      await k.set('vault-1', secret);
      expect(await k.get('vault-1')).toEqual(secret);
      await k.set('vault-1', new Uint8Array([9, 9]));
      expect(await k.get('vault-1')).toEqual(new Uint8Array([9, 9]));
      expect(await k.delete('vault-1')).toBe(true);
      expect(await k.delete('vault-1')).toBe(false);
      expect(await k.get('vault-1')).toBeNull();
    });

    it('keeps accounts (vault ids) apart', async () => {
      const k = make();
      await k.set('vault-a', new Uint8Array([1]));
      await k.set('vault-b', new Uint8Array([2]));
      expect(await k.get('vault-a')).toEqual(new Uint8Array([1]));
      expect(await k.get('vault-b')).toEqual(new Uint8Array([2]));
      await k.delete('vault-a');
      expect(await k.get('vault-b')).toEqual(new Uint8Array([2]));
      await k.delete('vault-b');
    });

    it('returns a copy: zeroing what get() returned does not change the stored secret', async () => {
      const k = make();
      await k.set('vault-z', new Uint8Array([7, 7, 7]));
      (await k.get('vault-z'))!.fill(0);
      expect(await k.get('vault-z')).toEqual(new Uint8Array([7, 7, 7]));
      await k.delete('vault-z');
    });
  });
}

contract('keytar on the real Secret Service', () => realKeychain());
contract('in-memory test double', () => new MemoryKeychain());

describe('keytar service names', () => {
  it('two services (apps) with the same account never see each other', async () => {
    const a = realKeychain();
    const b = realKeychain();
    await a.set('same-vault', new Uint8Array([1]));
    expect(await b.get('same-vault')).toBeNull();
    await a.delete('same-vault');
  });
});

function runVariant(
  mode: 'nodbus' | 'missing' | 'locked',
): Promise<{ call: string; ok: boolean; code?: string }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      [
        path.join(repoRoot, 'test/node/fixtures/vault-keyring-variant.sh'),
        mode,
        process.execPath,
        '--import',
        'tsx',
        path.join(repoRoot, 'test/node/fixtures/vault-keychain-child.ts'),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', () =>
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { call: string; ok: boolean; code?: string }),
      ),
    );
  });
}

describe('keychain failures come back typed (real libsecret, broken environments)', () => {
  it('no D-Bus session: KEYCHAIN_UNAVAILABLE for every call', async () => {
    expect(await runVariant('nodbus')).toEqual([
      { call: 'set', ok: false, code: 'KEYCHAIN_UNAVAILABLE' },
      { call: 'get', ok: false, code: 'KEYCHAIN_UNAVAILABLE' },
      { call: 'delete', ok: false, code: 'KEYCHAIN_UNAVAILABLE' },
      { call: 'vault.setup', ok: false, code: 'KEYCHAIN_UNAVAILABLE' },
    ]);
  });

  it('no login collection: KEYCHAIN_LOCKED, and an empty lookup is not mistaken for a missing key', async () => {
    const results = await runVariant('missing');
    expect(results.find((r) => r.call === 'set')).toEqual({
      call: 'set',
      ok: false,
      code: 'KEYCHAIN_LOCKED',
    });
    expect(results.find((r) => r.call === 'get')).toEqual({
      call: 'get',
      ok: false,
      code: 'KEYCHAIN_LOCKED',
    });
  });

  it('locked login collection: KEYCHAIN_LOCKED, never null', async () => {
    const results = await runVariant('locked');
    expect(results.find((r) => r.call === 'set')).toEqual({
      call: 'set',
      ok: false,
      code: 'KEYCHAIN_LOCKED',
    });
    expect(results.find((r) => r.call === 'get')).toEqual({
      call: 'get',
      ok: false,
      code: 'KEYCHAIN_LOCKED',
    });
  });

  it('maps the texts of other platforms and never passes the original text on', async () => {
    const fake = (message: string): KeytarApi => ({
      getPassword: () => Promise.reject(new Error(message)),
      setPassword: () => Promise.reject(new Error(message)),
      deletePassword: () => Promise.reject(new Error(message)),
    });
    const locked = new KeytarKeychain('svc', fake('User interaction is not allowed.'));
    await expect(locked.get('a')).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
    const other = new KeytarKeychain('svc', fake('secret-ish detail 1234'));
    const error = await other.set('a', new Uint8Array([1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('KEYCHAIN_UNAVAILABLE');
    expect((error as AppError).message).not.toContain('1234');
    expect(mapKeytarError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')).code).toBe(
      'KEYCHAIN_UNAVAILABLE',
    );
  });
});

describe('keytar lookups that run at once', () => {
  it('empty lookups under one service, from several keychains at once, all answer null', async () => {
    const service = testKeychainService();
    const keychains = Array.from({ length: 3 }, () => realKeychain(service));
    const lookups = keychains.flatMap((k, n) =>
      Array.from({ length: 15 }, (_, i) => k.get(`vault-${n}-${i}`)),
    );
    expect(await Promise.all(lookups)).toEqual(lookups.map(() => null));
  });
});
