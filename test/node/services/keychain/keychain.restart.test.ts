import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStaleConnection } from '../../../../electron/services/keychain/keychain.fresh';
import { KeytarKeychain, type KeytarApi } from '../../../../electron/services/keychain/keychain.keytar';
import { backendName } from '../../../../electron/services/keychain/keychain.backend';
import { repoRoot } from '../../support/vault';

interface Line {
  call: string;
  ok: boolean;
  value?: unknown;
  code?: string;
}

describe('the keychain survives a Secret Service restart (real gnome-keyring, private D-Bus session)', () => {
  it('reconnects without an app restart, while a plain in-process keytar stays stale', async () => {
    const result = await new Promise<Line[]>((resolve, reject) => {
      const child = spawn(
        'bash',
        [
          path.join(repoRoot, 'test/node/fixtures/keyring-restart.sh'),
          process.execPath,
          '--import',
          'tsx',
          path.join(repoRoot, 'test/node/fixtures/keychain-restart-child.ts'),
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
            .map((l) => JSON.parse(l) as Line),
        ),
      );
    });
    const by = (call: string) => result.find((l) => l.call === call);
    expect(by('backend')).toEqual({ call: 'backend', ok: true, value: 'secret-service:gnome-keyring' });
    expect(by('daemons')?.value).toBe(1);
    expect(by('restarted')?.value).toBe(true);
    // The cause: libsecret's per-process connection keeps the dead daemon's bus name and session.
    expect(by('plain.get')).toEqual({ call: 'plain.get', ok: false, code: 'KEYCHAIN_UNAVAILABLE' });
    // The app's keychain talks to the new daemon: status, unlock, writes and reads all work.
    expect(by('status')).toEqual({ call: 'status', ok: true, value: 'available' });
    expect(by('unlock')).toEqual({ call: 'unlock', ok: true, value: ['survives the keyring restart'] });
    expect(by('app.set')?.ok).toBe(true);
    expect(by('app.get')).toEqual({ call: 'app.get', ok: true, value: [4, 2] });
  }, 60_000);

  it('switches to a fresh connection only on a stale-connection error, once, and maps what follows', async () => {
    const texts = [
      'The name :1.0 was not provided by any .service files',
      'The session wrapping the secret does not exist',
    ];
    for (const t of texts) expect(isStaleConnection(new Error(t))).toBe(true);
    expect(isStaleConnection(new Error('Cannot create an item in a locked collection'))).toBe(false);
    let fresh = 0;
    const stale: KeytarApi = {
      getPassword: () => Promise.reject(new Error(texts[0])),
      setPassword: () => Promise.reject(new Error(texts[1])),
      deletePassword: () => Promise.reject(new Error(texts[0])),
    };
    const working: KeytarApi = {
      getPassword: () => Promise.resolve(Buffer.from([7]).toString('base64')),
      setPassword: () => Promise.resolve(),
      deletePassword: () => Promise.resolve(true),
    };
    const k = new KeytarKeychain('svc', stale, {
      reconnect: () => {
        fresh++;
        return working;
      },
    });
    expect(await k.get('a')).toEqual(new Uint8Array([7]));
    expect(await k.delete('a')).toBe(true);
    expect(fresh).toBe(1);
    const locked = new KeytarKeychain(
      'svc',
      {
        ...working,
        getPassword: () => Promise.reject(new Error('Cannot create an item in a locked collection')),
      },
      { reconnect: () => working },
    );
    await expect(locked.get('a')).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
  });

  it('names backends by the program that owns org.freedesktop.secrets', () => {
    expect(backendName('gnome-keyring-d')).toBe('gnome-keyring');
    expect(backendName('kwalletd6')).toBe('kwallet');
    expect(backendName('ksecretd')).toBe('kwallet');
    expect(backendName('keepassxc')).toBe('keepassxc');
  });
});
