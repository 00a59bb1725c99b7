import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../../../shared/errors';
import {
  DEFAULT_UPDATE_POLICY,
  type SignedManifest,
  type UpdatePolicy,
} from '../../../../shared/update/release.manifest';
import { SHIPPED_RELEASE_KEYS, shippedReleaseKeys } from '../../../../electron/services/update/release.keys';
import { verifyRelease } from '../../../../electron/services/update/release.verify';
import { downloadReleaseFile, fetchSignedManifest } from '../../../../electron/services/update/update.feed';
import { checkForRelease } from '../../../../electron/services/update/updater';
import { tempDir } from '../../support/tmp';
import {
  feedFixture,
  installerName,
  publishRelease,
  readManifest,
  signUnchecked,
  testKeys,
  writeManifest,
} from './update.support';

const RUNNING = '1.2.0';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  expect((await rejection(promise)).code).toBe(code);
}

/** Checks the fixture's feed the way the app does, with only the test's key trusted. */
async function check(
  fx: Awaited<ReturnType<typeof feedFixture>>,
  policy: Partial<UpdatePolicy> = {},
  runningVersion = RUNNING,
) {
  return checkForRelease({
    feed: { feedUrl: fx.server.url },
    policy: { ...DEFAULT_UPDATE_POLICY, ...policy },
    runningVersion,
    keys: [fx.keys.publicKey],
  });
}

describe('signed newer release', () => {
  it('is accepted, and its installer downloads only with the signed SHA-512 and size', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const result = await check(fx);
    if (result.kind !== 'available') throw new Error(`expected an update, got ${result.kind}`);
    expect(result.release.manifest.version).toBe('1.3.0');
    expect(result.release.keyId).toBe(fx.keys.publicKey.keyId);

    const dest = tempDir('fv-update-dl-');
    const file = result.release.manifest.files[0]!;
    const saved = await downloadReleaseFile({ feedUrl: fx.server.url }, file, dest);
    const bytes = readFileSync(saved);
    expect(bytes.equals(readFileSync(path.join(fx.dir, installerName('1.3.0'))))).toBe(true);
    expect(createHash('sha512').update(bytes).digest('base64')).toBe(file.sha512);
  });

  it('still verifies when the manifest is re-serialised with other key order and whitespace', async () => {
    const fx = await feedFixture();
    const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const reordered = Object.fromEntries(Object.entries(signed.manifest).reverse());
    writeFileSync(
      path.join(fx.dir, 'stable.manifest.json'),
      JSON.stringify({ signature: signed.signature, manifest: reordered }, null, 7),
    );
    expect((await check(fx)).kind).toBe('available');
  });

  it('a beta device takes a stable release; a release at the pin is allowed', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0', channel: 'stable' }, 'beta');
    expect((await check(fx, { channel: 'beta', pinVersion: '1.3.0' })).kind).toBe('available');
  });
});

describe('refused releases', () => {
  it('a tampered manifest (version raised after signing) -> UPDATE_SIGNATURE_INVALID', async () => {
    const fx = await feedFixture();
    const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    writeManifest(fx.dir, 'stable', { ...signed, manifest: { ...signed.manifest, version: '9.0.0' } });
    await refusedWith(check(fx), 'UPDATE_SIGNATURE_INVALID');
  });

  it('a tampered manifest (installer hash swapped after signing) -> UPDATE_SIGNATURE_INVALID', async () => {
    const fx = await feedFixture();
    const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const { all, file } = parts(signed);
    const files = [{ ...file, sha512: createHash('sha512').update('evil').digest('base64') }];
    writeManifest(fx.dir, 'stable', { ...signed, manifest: { ...all, files } });
    await refusedWith(check(fx), 'UPDATE_SIGNATURE_INVALID');
  });

  it('a tampered installer -> UPDATE_HASH_MISMATCH, and nothing is left on disk', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const result = await check(fx);
    if (result.kind !== 'available') throw new Error('expected an update');
    const file = result.release.manifest.files[0]!;
    const installer = path.join(fx.dir, file.url);
    const original = readFileSync(installer);
    const dest = tempDir('fv-update-dl-');
    const flipped = Buffer.from(original);
    flipped[100] = flipped[100]! ^ 1;
    for (const tampered of [
      flipped,
      original.subarray(0, original.length - 1),
      Buffer.concat([original, Buffer.from('x')]),
    ]) {
      writeFileSync(installer, tampered);
      await refusedWith(downloadReleaseFile({ feedUrl: fx.server.url }, file, dest), 'UPDATE_HASH_MISMATCH');
      expect(readdirSync(dest)).toEqual([]);
    }
  });

  it('an unsigned manifest -> UPDATE_UNSIGNED', async () => {
    const fx = await feedFixture();
    const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    writeManifest(fx.dir, 'stable', { manifest: signed.manifest });
    await refusedWith(check(fx), 'UPDATE_UNSIGNED');
    writeManifest(fx.dir, 'stable', { manifest: signed.manifest, signature: null });
    await refusedWith(check(fx), 'UPDATE_UNSIGNED');
  });

  it('a manifest signed with another key -> UPDATE_SIGNATURE_INVALID, whichever key id it names', async () => {
    const fx = await feedFixture();
    const other = testKeys();
    await publishRelease(fx.dir, other, { version: '1.3.0' });
    await refusedWith(check(fx), 'UPDATE_SIGNATURE_INVALID');
    const forged = readManifest(fx.dir, 'stable');
    writeManifest(fx.dir, 'stable', {
      ...forged,
      signature: { ...forged.signature, keyId: fx.keys.publicKey.keyId },
    });
    await refusedWith(check(fx), 'UPDATE_SIGNATURE_INVALID');
  });

  it('the shipped key does not accept a release signed by a test key', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const raw = await fetchSignedManifest({ feedUrl: fx.server.url }, 'stable');
    expect(() =>
      verifyRelease(raw, {
        keys: shippedReleaseKeys(),
        runningVersion: RUNNING,
        policy: DEFAULT_UPDATE_POLICY,
      }),
    ).toThrow(expect.objectContaining({ code: 'UPDATE_SIGNATURE_INVALID' }));
  });

  it.each([
    ['an older version', '1.1.9'],
    ['a pre-release of the running version', '1.2.0-rc.1'],
  ])('%s -> UPDATE_DOWNGRADE', async (_name, version) => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version, channel: 'beta' }, 'beta');
    await refusedWith(check(fx, { channel: 'beta' }), 'UPDATE_DOWNGRADE');
  });

  it('the same version -> UPDATE_DOWNGRADE from the verifier; a check reports it as up to date', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: RUNNING });
    const raw = await fetchSignedManifest({ feedUrl: fx.server.url }, 'stable');
    expect(() =>
      verifyRelease(raw, {
        keys: [fx.keys.publicKey],
        runningVersion: RUNNING,
        policy: DEFAULT_UPDATE_POLICY,
      }),
    ).toThrow(expect.objectContaining({ code: 'UPDATE_DOWNGRADE' }));
    expect(await check(fx)).toEqual({ kind: 'none', version: RUNNING });
  });

  it('a release on another channel -> UPDATE_CHANNEL_REFUSED', async () => {
    const fx = await feedFixture();
    // A beta build placed in the stable feed: the signed channel, not the file name, decides.
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0-beta.1', channel: 'beta' }, 'stable');
    await refusedWith(check(fx), 'UPDATE_CHANNEL_REFUSED');
  });

  it('a release above the pin -> UPDATE_PINNED', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.4.0' });
    await refusedWith(check(fx, { pinVersion: '1.3.5' }), 'UPDATE_PINNED');
  });

  it('a running version below the release minimum -> UPDATE_TOO_OLD', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '2.0.0', minimumVersion: '1.5.0' });
    await refusedWith(check(fx), 'UPDATE_TOO_OLD');
  });

  it('"no updates" policy -> UPDATE_DISABLED without a single request to the server', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    await refusedWith(check(fx, { disabled: true }), 'UPDATE_DISABLED');
    expect(fx.server.requests).toEqual([]);
  });

  it('signed fields outside the schema or a file name with a path -> UPDATE_MANIFEST_INVALID', async () => {
    const fx = await feedFixture();
    const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const { all, file } = parts(signed);
    const bad = [
      { ...all, installScript: 'rm -rf /' },
      { ...all, files: [{ ...file, url: '../evil.AppImage' }] },
      { ...all, version: '1.3.0+build.7' },
    ];
    for (const manifest of bad) {
      writeManifest(fx.dir, 'stable', signUnchecked(manifest, fx.keys));
      await refusedWith(check(fx), 'UPDATE_MANIFEST_INVALID');
    }
    writeFileSync(path.join(fx.dir, 'stable.manifest.json'), '{"manifest": ');
    await refusedWith(check(fx), 'UPDATE_MANIFEST_INVALID');
  });
});

describe('the update server', () => {
  it('down -> UPDATE_OFFLINE', async () => {
    const fx = await feedFixture();
    await fx.server.close();
    await refusedWith(check(fx), 'UPDATE_OFFLINE');
  });

  it('without a manifest for the channel -> UPDATE_OFFLINE', async () => {
    const fx = await feedFixture();
    await refusedWith(check(fx), 'UPDATE_OFFLINE');
    expect(fx.server.requests).toEqual(['stable.manifest.json']);
  });

  it('missing the installer, or gone during the download -> UPDATE_OFFLINE, nothing left on disk', async () => {
    const fx = await feedFixture();
    await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
    const result = await check(fx);
    if (result.kind !== 'available') throw new Error('expected an update');
    const dest = tempDir('fv-update-dl-');
    const file = result.release.manifest.files[0]!;
    rmSync(path.join(fx.dir, file.url));
    await refusedWith(downloadReleaseFile({ feedUrl: fx.server.url }, file, dest), 'UPDATE_OFFLINE');
    await fx.server.close();
    await refusedWith(downloadReleaseFile({ feedUrl: fx.server.url }, file, dest), 'UPDATE_OFFLINE');
    expect(readdirSync(dest)).toEqual([]);
  });
});

describe('the shipped release key', () => {
  it('equals build/release-public-key.txt, line for line', () => {
    const text = readFileSync(
      path.join(import.meta.dirname, '../../../../build/release-public-key.txt'),
      'utf8',
    );
    expect(text.split('\n').filter(Boolean)).toEqual([...SHIPPED_RELEASE_KEYS]);
    expect(shippedReleaseKeys()).toHaveLength(SHIPPED_RELEASE_KEYS.length);
  });
});

/** The published manifest's fields and its only file entry. */
function parts(signed: SignedManifest): { all: Record<string, unknown>; file: Record<string, unknown> } {
  const files = signed.manifest.files;
  if (!Array.isArray(files) || typeof files[0] !== 'object' || files[0] === null) throw new Error('no file');
  return { all: signed.manifest, file: { ...(files[0] as Record<string, unknown>) } };
}
