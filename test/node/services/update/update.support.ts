import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { sign, type KeyObject } from 'node:crypto';
import type { SignedManifest, UpdateChannel } from '../../../../shared/update/release.manifest';
import { canonicalJson, manifestFileName } from '../../../../shared/update/release.manifest';
import { releasePublicKey, type ReleasePublicKey } from '../../../../electron/services/update/release.keys';
import {
  buildManifest,
  generateReleaseKeyPair,
  loadReleasePrivateKey,
  signManifest,
} from '../../../../electron/services/update/release.sign';
import { tempDir } from '../../support/tmp';

/** A release key pair generated for the test; the app's real private key is never in the repo. */
export interface TestKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: ReleasePublicKey;
  readonly publicKeyBase64: string;
}

export function testKeys(): TestKeys {
  const pair = generateReleaseKeyPair();
  return {
    privateKey: loadReleasePrivateKey(pair.privateKeyPem),
    publicKey: releasePublicKey(pair.publicKey),
    publicKeyBase64: pair.publicKey,
  };
}

export interface ReleaseSpec {
  readonly version: string;
  readonly channel?: UpdateChannel;
  readonly minimumVersion?: string;
  readonly content?: string;
}

/** The installer's name for a version, as electron-builder names the Linux AppImage. */
export function installerName(version: string): string {
  return `FieldVault-${version}.AppImage`;
}

/**
 * Writes a release into `feedDir` the way the pipeline publishes it: the installer and the channel's
 * signed manifest beside it. Returns the signed manifest (also on disk).
 */
export async function publishRelease(
  feedDir: string,
  keys: TestKeys,
  spec: ReleaseSpec,
  manifestChannel: UpdateChannel = spec.channel ?? 'stable',
): Promise<SignedManifest> {
  mkdirSync(feedDir, { recursive: true });
  const file = path.join(feedDir, installerName(spec.version));
  writeFileSync(file, spec.content ?? `installer for ${spec.version}\n`.repeat(2000));
  const manifest = await buildManifest({
    version: spec.version,
    channel: spec.channel ?? 'stable',
    minimumVersion: spec.minimumVersion ?? '0.0.0',
    releaseDate: '2026-01-02T03:04:05.000Z',
    files: [file],
  });
  const signed = signManifest(manifest, keys.privateKey, [keys.publicKey]);
  writeManifest(feedDir, manifestChannel, signed);
  return signed;
}

/** Replaces the channel's manifest on the server with `value` (tampered, unsigned, ...). */
export function writeManifest(feedDir: string, channel: UpdateChannel, value: unknown): void {
  writeFileSync(path.join(feedDir, manifestFileName(channel)), JSON.stringify(value, null, 2));
}

export function readManifest(feedDir: string, channel: UpdateChannel): SignedManifest {
  return JSON.parse(readFileSync(path.join(feedDir, manifestFileName(channel)), 'utf8')) as SignedManifest;
}

export interface FeedServer {
  readonly url: string;
  /** Paths requested so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** A static update server on 127.0.0.1 serving plain file names from `dir`; closed after the test. */
export async function startFeedServer(dir: string): Promise<FeedServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    requests.push(name);
    let body: Buffer;
    try {
      if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) throw new Error('bad name');
      body = readFileSync(path.join(dir, name));
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(close);
  return { url: `http://127.0.0.1:${port}/`, requests, close };
}

/** A feed directory, a server for it and a key pair, all gone after the test. */
export async function feedFixture(): Promise<{ dir: string; server: FeedServer; keys: TestKeys }> {
  const dir = path.join(tempDir('fv-update-'), 'feed');
  mkdirSync(dir);
  return { dir, server: await startFeedServer(dir), keys: testKeys() };
}

/**
 * Signs any object with the key, without the pipeline's schema check: what a holder of the key (or a
 * buggy pipeline) could publish, to show the app still checks the schema after the signature.
 */
export function signUnchecked(manifest: Record<string, unknown>, keys: TestKeys): SignedManifest {
  const value = sign(null, Buffer.from(canonicalJson(manifest), 'utf8'), keys.privateKey).toString('base64');
  return { manifest, signature: { alg: 'ed25519', keyId: keys.publicKey.keyId, value } };
}
