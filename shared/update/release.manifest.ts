import { z } from 'zod';
import { isSemVer } from './semver';

/**
 * The signed release manifest: what the release pipeline publishes next to each release and what the
 * app verifies before it downloads or installs anything. The signature covers `canonicalJson(manifest)`
 * exactly as received, so re-serialisation on either side cannot change what was signed.
 */

/** Update channels from most to least stable; a client accepts its own channel and any more stable one. */
export const UPDATE_CHANNELS = ['stable', 'beta', 'alpha'] as const;
export type UpdateChannel = (typeof UPDATE_CHANNELS)[number];

/** True when a client on `client` may take a release published on `release`. */
export function channelAccepts(client: UpdateChannel, release: UpdateChannel): boolean {
  return UPDATE_CHANNELS.indexOf(release) <= UPDATE_CHANNELS.indexOf(client);
}

/** The update rules IT can set (from managed policy); the default is stable, unpinned, enabled. */
export interface UpdatePolicy {
  readonly channel: UpdateChannel;
  /** The highest version this device may move to; null for no pin. */
  readonly pinVersion: string | null;
  /** "No updates": nothing is checked, downloaded or installed. */
  readonly disabled: boolean;
}

export const DEFAULT_UPDATE_POLICY: UpdatePolicy = { channel: 'stable', pinVersion: null, disabled: false };

const semver = z.string().max(64).refine(isSemVer, 'not a semantic version');
/** Base64 of exactly 64 bytes (a SHA-512 digest or an Ed25519 signature). */
const base64Of64Bytes = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'not 64 bytes of base64');

/** A plain file name beside the manifest: no path, no scheme, nothing to traverse with. */
const releaseFileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'not a plain file name');

export const releaseFileSchema = z.strictObject({
  url: releaseFileName,
  /** SHA-512 of the file, base64 (the encoding electron-builder's latest.yml uses). */
  sha512: base64Of64Bytes,
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type ReleaseFile = z.infer<typeof releaseFileSchema>;

export const releaseManifestSchema = z.strictObject({
  schema: z.literal(1),
  product: z.literal('fieldvault'),
  version: semver,
  channel: z.enum(UPDATE_CHANNELS),
  releaseDate: z.iso.datetime({ offset: true }),
  /** The oldest running version that may update to this release directly; older ones must reinstall. */
  minimumVersion: semver,
  files: z.array(releaseFileSchema).min(1).max(32),
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

export const releaseSignatureSchema = z.strictObject({
  alg: z.literal('ed25519'),
  /** Which shipped release key signed it (see `keyIdOf`), so the key can be rotated. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  value: base64Of64Bytes,
});
export type ReleaseSignature = z.infer<typeof releaseSignatureSchema>;

/**
 * What is published: the manifest and its signature. `manifest` is checked against the schema only
 * after the signature over its canonical bytes has been verified.
 */
export const signedManifestSchema = z.strictObject({
  manifest: z.record(z.string(), z.unknown()),
  signature: releaseSignatureSchema.nullish(),
});
export type SignedManifest = z.infer<typeof signedManifestSchema>;

/** The manifest's file name for a channel, beside the release files on the update server. */
export function manifestFileName(channel: UpdateChannel): string {
  return `${channel}.manifest.json`;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, arrays in order. Only JSON
 * values are accepted (no undefined, functions or non-finite numbers), so every input has one form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('not a JSON number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError('not a JSON value');
}
