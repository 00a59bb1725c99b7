import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/vault';
import { tempDir } from '../../support/tmp';

/**
 * A real full disk: an 8 MiB tmpfs in a private mount namespace (`unshare -rm`, no root needed where
 * user namespaces are allowed), gone when the child exits.
 */
function runOnTinyDisk(): Promise<{ step: string; code: string }[]> {
  const dir = tempDir('fv-full-');
  const script = 'mount -t tmpfs -o size=8m tmpfs "$1" && shift && exec "$@"';
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      [
        '-rm',
        'sh',
        '-c',
        script,
        'sh',
        dir,
        process.execPath,
        '--import',
        'tsx',
        path.join(repoRoot, 'test/node/fixtures/vault-diskfull-child.ts'),
        dir,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`disk-full child failed (${code}): ${err}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { step: string; code: string }),
        );
    });
  });
}

describe('a full disk', () => {
  it('gives DISK_FULL for backup, rekey and unlock, loses nothing, and works again once space is freed', async () => {
    expect(await runOnTinyDisk()).toEqual([
      { step: 'backup', code: 'DISK_FULL' },
      { step: 'rekey', code: 'DISK_FULL' },
      { step: 'unlocked-after', code: 'ok' },
      { step: 'data-intact', code: 'ok' },
      { step: 'lock', code: 'ok' },
      // The rekey now fails at its first write (the keychain wrap), so no half-added key is left for
      // unlock to tidy: unlock needs no new file and opens even on the full disk.
      { step: 'unlock-while-full', code: 'ok' },
      { step: 'unlock-after-space-freed', code: 'ok' },
      { step: 'data-intact-after', code: 'ok' },
      { step: 'backup-after-space-freed', code: 'ok' },
      { step: 'rekey-after-space-freed', code: 'ok' },
    ]);
  });
});
