import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import {
  canonicalJson,
  releaseManifestSchema,
  type ReleaseManifest,
  type SignedManifest,
  type UpdateChannel,
} from '../../../shared/update/release.manifest';
import { keyIdOf, rawPublicKeyBase64, releasePublicKey, type ReleasePublicKey } from './release.keys';
import { verifyManifestSignature } from './release.verify';
import { hashFile } from './update.feed';

/**
 * The release pipeline's half (tools/release-sign.ts): build a manifest from the packed files and sign
 * it. Never imported by the app; it lives here so the tests run it against the app's own verifier.
 */

/** Reads an Ed25519 private key from PKCS#8 PEM (`openssl genpkey -algorithm ed25519`). */
export function loadReleasePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new AppError('VALIDATION', 'The release key is not a PEM private key.', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AppError('VALIDATION', 'The release key is not Ed25519.');
  return key;
}

/** A new release key pair: the PEM is the pipeline's secret, the base64 line ships in the app. */
export function generateReleaseKeyPair(): { privateKeyPem: string; publicKey: string; keyId: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKeyBase64(privateKey);
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey,
    keyId: releasePublicKey(publicKey).keyId,
  };
}

/** The manifest for release files on disk, each hashed (SHA-512) and measured. */
export async function buildManifest(input: {
  version: string;
  channel: UpdateChannel;
  minimumVersion: string;
  releaseDate: string;
  files: readonly string[];
}): Promise<ReleaseManifest> {
  const files = [];
  for (const file of input.files) files.push({ url: path.basename(file), ...(await hashFile(file)) });
  const parsed = releaseManifestSchema.safeParse({
    schema: 1,
    product: 'fieldvault',
    version: input.version,
    channel: input.channel,
    releaseDate: input.releaseDate,
    minimumVersion: input.minimumVersion,
    files,
  });
  if (!parsed.success) throw new AppError('VALIDATION', 'The release manifest would not be valid.');
  return parsed.data;
}

/**
 * Signs the canonical bytes of `manifest`, then verifies the result with the app's own verifier against
 * `trusted`, so the pipeline cannot publish a manifest the app would refuse (e.g. signed by a key the
 * app does not ship).
 */
export function signManifest(
  manifest: ReleaseManifest,
  privateKey: KeyObject,
  trusted: readonly ReleasePublicKey[],
): SignedManifest {
  const valid = releaseManifestSchema.parse(manifest);
  const keyId = keyIdOf(Buffer.from(rawPublicKeyBase64(privateKey), 'base64'));
  const value = sign(null, Buffer.from(canonicalJson(valid), 'utf8'), privateKey).toString('base64');
  const signed: SignedManifest = { manifest: { ...valid }, signature: { alg: 'ed25519', keyId, value } };
  verifyManifestSignature(JSON.parse(JSON.stringify(signed)), trusted);
  return signed;
}
