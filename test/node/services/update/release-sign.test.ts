import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UPDATE_POLICY } from '../../../../shared/update/release.manifest';
import { releasePublicKey } from '../../../../electron/services/update/release.keys';
import { verifyRelease } from '../../../../electron/services/update/release.verify';
import { hashFile } from '../../../../electron/services/update/update.feed';
import { tempDir } from '../../support/tmp';

const ROOT = path.join(import.meta.dirname, '../../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Runs tools/release-sign.ts as the release pipeline does: a separate process, key from the env. */
async function releaseSign(args: string[], env: Record<string, string> = {}) {
  const { FIELDVAULT_RELEASE_KEY: _ignored, ...base } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['tools/release-sign.ts', ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('tools/release-sign.ts', () => {
  it('keygen writes a 0600 private key; sign produces a manifest the app verifies', async () => {
    const dir = tempDir('fv-release-sign-');
    const keyFile = path.join(dir, 'release.pem');
    const gen = await releaseSign(['keygen', '--out', keyFile]);
    expect(gen.code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const publicKey = gen.stdout.trim();
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // Never over an existing key.
    expect((await releaseSign(['keygen', '--out', keyFile])).code).toBe(2);

    const installer = path.join(dir, 'FieldVault-1.3.0.AppImage');
    writeFileSync(installer, 'installer bytes');
    const out = path.join(dir, 'stable.manifest.json');
    const pem = readFileSync(keyFile, 'utf8');
    const signed = await releaseSign(
      ['sign', '--version', '1.3.0', '--channel', 'stable', '--trust', publicKey, '--out', out, installer],
      { FIELDVAULT_RELEASE_KEY: pem },
    );
    expect(signed).toMatchObject({ code: 0 });
    const raw: unknown = JSON.parse(readFileSync(out, 'utf8'));
    const verified = verifyRelease(raw, {
      keys: [releasePublicKey(publicKey)],
      runningVersion: '1.2.0',
      policy: DEFAULT_UPDATE_POLICY,
    });
    expect(verified.manifest).toMatchObject({ version: '1.3.0', channel: 'stable', minimumVersion: '0.0.0' });
    expect(verified.manifest.files).toEqual([
      { url: 'FieldVault-1.3.0.AppImage', ...(await hashFile(installer)) },
    ]);
    expect(signed.stdout + signed.stderr).not.toContain('PRIVATE KEY');
  });

  it('refuses to publish a manifest the shipped app key would not verify', async () => {
    const dir = tempDir('fv-release-sign-');
    const keyFile = path.join(dir, 'release.pem');
    expect((await releaseSign(['keygen', '--out', keyFile])).code).toBe(0);
    const installer = path.join(dir, 'FieldVault-1.3.0.AppImage');
    writeFileSync(installer, 'installer bytes');
    const out = path.join(dir, 'stable.manifest.json');
    const run = await releaseSign([
      'sign',
      '--version',
      '1.3.0',
      '--channel',
      'stable',
      '--key-file',
      keyFile,
      '--out',
      out,
      installer,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('UPDATE_SIGNATURE_INVALID');
    expect(existsSync(out)).toBe(false);
  });

  it('says what is missing without a key, a bad key or a bad channel, and prints no key material', async () => {
    const dir = tempDir('fv-release-sign-');
    const installer = path.join(dir, 'FieldVault-1.3.0.AppImage');
    writeFileSync(installer, 'x');
    const out = path.join(dir, 'm.json');
    const args = ['sign', '--version', '1.3.0', '--channel', 'stable', '--out', out, installer];
    const noKey = await releaseSign(args);
    expect(noKey).toMatchObject({ code: 2 });
    expect(noKey.stderr).toContain('FIELDVAULT_RELEASE_KEY');
    const badKey = await releaseSign(args, { FIELDVAULT_RELEASE_KEY: 'not-a-key-SECRETVALUE' });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('VALIDATION');
    expect(badKey.stderr).not.toContain('SECRETVALUE');
    const badChannel = await releaseSign([
      'sign',
      '--version',
      '1.3.0',
      '--channel',
      'nightly',
      '--out',
      out,
      installer,
    ]);
    expect(badChannel.code).toBe(2);
    expect(badChannel.stderr).toContain('--channel');
    expect(existsSync(out)).toBe(false);
  });
});
