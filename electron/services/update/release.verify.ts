import { verify } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import {
  canonicalJson,
  channelAccepts,
  releaseManifestSchema,
  signedManifestSchema,
  type ReleaseFile,
  type ReleaseManifest,
  type UpdatePolicy,
} from '../../../shared/update/release.manifest';
import { compareSemVer, isSemVer } from '../../../shared/update/semver';
import type { ReleasePublicKey } from './release.keys';

/**
 * The verification core: nothing is downloaded or installed unless its manifest passed
 * `verifyManifestSignature` and `checkReleasePolicy`, and no file is used unless `checkReleaseFile`
 * matched it against that manifest. Plain Node; the Electron updater and the tests share it.
 */

/** A manifest whose signature verified against a shipped key. */
export interface VerifiedManifest {
  readonly manifest: ReleaseManifest;
  readonly keyId: string;
}

/**
 * Verifies the Ed25519 signature over the canonical bytes of the manifest as received, then parses it.
 * Throws UPDATE_MANIFEST_INVALID, UPDATE_UNSIGNED or UPDATE_SIGNATURE_INVALID.
 */
export function verifyManifestSignature(raw: unknown, keys: readonly ReleasePublicKey[]): VerifiedManifest {
  const envelope = signedManifestSchema.safeParse(raw);
  if (!envelope.success) throw new AppError('UPDATE_MANIFEST_INVALID', 'The release manifest is malformed.');
  const { manifest, signature } = envelope.data;
  if (!signature) throw new AppError('UPDATE_UNSIGNED', 'The release manifest is not signed.');
  const key = keys.find((k) => k.keyId === signature.keyId);
  if (!key) {
    throw new AppError('UPDATE_SIGNATURE_INVALID', 'The release manifest is signed by an unknown key.');
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(canonicalJson(manifest), 'utf8');
  } catch (cause) {
    throw new AppError('UPDATE_MANIFEST_INVALID', 'The release manifest is malformed.', { cause });
  }
  if (!verify(null, bytes, key.key, Buffer.from(signature.value, 'base64'))) {
    throw new AppError('UPDATE_SIGNATURE_INVALID', 'The release manifest signature does not verify.');
  }
  const parsed = releaseManifestSchema.safeParse(manifest);
  if (!parsed.success) {
    throw new AppError('UPDATE_MANIFEST_INVALID', 'The signed release manifest does not match the schema.');
  }
  return { manifest: parsed.data, keyId: key.keyId };
}

/**
 * Whether a verified release may be installed over `runningVersion` under `policy`. Throws
 * UPDATE_DISABLED, UPDATE_CHANNEL_REFUSED, UPDATE_DOWNGRADE (older or the same version),
 * UPDATE_PINNED or UPDATE_TOO_OLD.
 */
export function checkReleasePolicy(
  manifest: ReleaseManifest,
  runningVersion: string,
  policy: UpdatePolicy,
): void {
  if (policy.disabled) throw new AppError('UPDATE_DISABLED', 'Updates are turned off by policy.');
  if (!isSemVer(runningVersion)) throw new AppError('VALIDATION', 'The running version is not a version.');
  if (policy.pinVersion !== null && !isSemVer(policy.pinVersion)) {
    throw new AppError('VALIDATION', 'The pinned update version is not a version.');
  }
  if (!channelAccepts(policy.channel, manifest.channel)) {
    throw new AppError('UPDATE_CHANNEL_REFUSED', 'The release is on a channel this device does not take.');
  }
  if (compareSemVer(manifest.version, runningVersion) <= 0) {
    throw new AppError('UPDATE_DOWNGRADE', 'The release is not newer than the running version.');
  }
  if (policy.pinVersion !== null && compareSemVer(manifest.version, policy.pinVersion) > 0) {
    throw new AppError('UPDATE_PINNED', 'The release is above the version this device is pinned to.');
  }
  if (compareSemVer(runningVersion, manifest.minimumVersion) < 0) {
    throw new AppError('UPDATE_TOO_OLD', 'This version is too old to update directly; reinstall the app.');
  }
}

/** Signature and policy together: the manifest of a release this device may install. */
export function verifyRelease(
  raw: unknown,
  options: { keys: readonly ReleasePublicKey[]; runningVersion: string; policy: UpdatePolicy },
): VerifiedManifest {
  if (options.policy.disabled) throw new AppError('UPDATE_DISABLED', 'Updates are turned off by policy.');
  const verified = verifyManifestSignature(raw, options.keys);
  checkReleasePolicy(verified.manifest, options.runningVersion, options.policy);
  return verified;
}

/** The manifest entry for a file name; UPDATE_HASH_MISMATCH when the manifest does not list it. */
export function manifestFile(manifest: ReleaseManifest, name: string): ReleaseFile {
  const file = manifest.files.find((f) => f.url === name);
  if (!file) throw new AppError('UPDATE_HASH_MISMATCH', 'The file is not part of the verified release.');
  return file;
}

/** Throws UPDATE_HASH_MISMATCH unless the digest and size equal the manifest's. */
export function checkReleaseFile(actual: { sha512: string; size: number }, expected: ReleaseFile): void {
  const a = Buffer.from(actual.sha512, 'base64');
  const e = Buffer.from(expected.sha512, 'base64');
  if (actual.size !== expected.size || a.length !== 64 || !a.equals(e)) {
    throw new AppError('UPDATE_HASH_MISMATCH', 'The downloaded file does not match the verified release.');
  }
}
