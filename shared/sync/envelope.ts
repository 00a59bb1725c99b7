import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../errors';
import { framed, readUint32be, uint32be, utf8 } from './encoding';

/**
 * Current envelope format version (first byte of every sealed delta). Version 1 (unsigned,
 * unpadded) is refused as `unsupported_version`.
 */
export const ENVELOPE_VERSION = 2;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
const LENGTH_BYTES = 4;
const HEADER_BYTES = 1 + 4 + NONCE_BYTES;
/** Everything of an envelope that is not the delta plaintext. */
const OVERHEAD_BYTES = HEADER_BYTES + LENGTH_BYTES + TAG_BYTES + SIGNATURE_BYTES;
/** Smallest possible envelope: header, the length prefix, the Poly1305 tag and the signature. */
export const ENVELOPE_MIN_BYTES = OVERHEAD_BYTES;
const AD_LABEL = utf8('fieldvault/delta/v2');
const SIG_LABEL = utf8('fieldvault/delta-sig/v2');
/** Smallest size bucket; above it, 2^PAD_CLASS_BITS buckets per doubling. */
const PAD_MIN = 512;
const PAD_CLASS_BITS = 3;

/** Where a delta lives; every field is bound into the ciphertext as associated data. */
export interface DeltaPlace {
  readonly workspaceId: string;
  readonly deviceId: string;
  readonly deltaId: string;
}

/** A workspace key with its id (key generation); `key` is 32 bytes. */
export interface WorkspaceKey {
  readonly keyId: number;
  readonly key: Uint8Array;
}

/** An opened envelope: the delta plaintext and the digest the pusher's next delta chains to. */
export interface OpenedDelta {
  readonly plaintext: Uint8Array;
  /** SHA-256 of the envelope's sealed bytes (everything but the signature): the chain link. */
  readonly digest: Uint8Array;
}

/** Why an envelope did not open. */
export type EnvelopeFailure =
  'malformed' | 'unsupported_version' | 'unknown_key' | 'auth_failed' | 'bad_signature';

/**
 * An envelope that failed to open: tampered, moved to another workspace/device/delta id, sealed
 * under an unknown key, not signed by its device, or not an envelope at all. Code `DELTA_REJECTED`;
 * `reason` says which.
 */
export class EnvelopeError extends AppError {
  constructor(readonly reason: EnvelopeFailure) {
    super('DELTA_REJECTED', `delta envelope rejected: ${reason}`);
  }
}

/**
 * The size an envelope of `bytes` unpadded bytes is padded to: at least 512 B, then eight size
 * classes per doubling (each at most 12.5% above the size it holds), so the server learns a size
 * class, not a note's length, and pulls carry little padding (issue 11's 1.2x throughput budget).
 */
export function envelopeBucket(bytes: number): number {
  if (bytes <= PAD_MIN) return PAD_MIN;
  const step = 2 ** (Math.floor(Math.log2(bytes - 1)) - PAD_CLASS_BITS);
  return Math.ceil(bytes / step) * step;
}

function associatedData(version: number, keyId: number, place: DeltaPlace): Uint8Array {
  return framed(
    AD_LABEL,
    new Uint8Array([version]),
    uint32be(keyId),
    utf8(place.workspaceId),
    utf8(place.deviceId),
    utf8(place.deltaId),
  );
}

/** What the device signs: domain tag, associated data and a digest of the sealed bytes. */
function signedMessage(ad: Uint8Array, digest: Uint8Array): Uint8Array {
  return framed(SIG_LABEL, ad, digest);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new AppError('VALIDATION', 'workspace key must be 32 bytes');
}

/**
 * Pads, encrypts and signs one delta:
 * `version(1) | keyId(4, BE) | nonce(24) | XChaCha20-Poly1305(len(4, BE) | plaintext | zeros) | Ed25519 sig(64)`.
 * The ciphertext's associated data binds version, key id, workspace, device and delta id; the
 * signature (by the pushing device's key) covers a domain tag, that associated data and SHA-256 of
 * every byte before it. The whole envelope is padded to `envelopeBucket`.
 */
export function sealDelta(
  plaintext: Uint8Array,
  place: DeltaPlace,
  key: WorkspaceKey,
  signSecretKey: Uint8Array,
): Uint8Array {
  checkKey(key.key);
  const total = envelopeBucket(OVERHEAD_BYTES + plaintext.length);
  const inner = new Uint8Array(total - HEADER_BYTES - TAG_BYTES - SIGNATURE_BYTES);
  inner.set(uint32be(plaintext.length), 0);
  inner.set(plaintext, LENGTH_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const ad = associatedData(ENVELOPE_VERSION, key.keyId, place);
  const out = new Uint8Array(total);
  out[0] = ENVELOPE_VERSION;
  out.set(uint32be(key.keyId), 1);
  out.set(nonce, 5);
  out.set(xchacha20poly1305(key.key, nonce, ad).encrypt(inner), HEADER_BYTES);
  inner.fill(0);
  const digest = sha256(out.subarray(0, total - SIGNATURE_BYTES));
  out.set(ed25519.sign(signedMessage(ad, digest), signSecretKey), total - SIGNATURE_BYTES);
  return out;
}

/** The key id an envelope claims (to pick a key), without authenticating anything. */
export function envelopeKeyId(envelope: Uint8Array): number {
  if (envelope.length < 1) throw new EnvelopeError('malformed');
  if (envelope[0] !== ENVELOPE_VERSION) throw new EnvelopeError('unsupported_version');
  if (envelope.length < ENVELOPE_MIN_BYTES) throw new EnvelopeError('malformed');
  return readUint32be(envelope, 1);
}

/** The chain link of an envelope: SHA-256 of its sealed bytes (the signature excluded). */
export function envelopeDigest(envelope: Uint8Array): Uint8Array {
  return sha256(envelope.subarray(0, envelope.length - SIGNATURE_BYTES));
}

/**
 * Verifies the pushing device's signature (against `signPublicKey`, the key the membership log
 * holds for `place.deviceId`), then authenticates and decrypts one delta sealed for `place`. `keys`
 * finds the workspace key by id. Throws `EnvelopeError` (code `DELTA_REJECTED`) on any failure;
 * never returns unauthenticated bytes.
 */
export function openDelta(
  envelope: Uint8Array,
  place: DeltaPlace,
  keys: (keyId: number) => Uint8Array | undefined,
  signPublicKey: Uint8Array,
): OpenedDelta {
  const keyId = envelopeKeyId(envelope);
  const ad = associatedData(ENVELOPE_VERSION, keyId, place);
  const sealedEnd = envelope.length - SIGNATURE_BYTES;
  const digest = envelopeDigest(envelope);
  let signed: boolean;
  try {
    signed = ed25519.verify(envelope.subarray(sealedEnd), signedMessage(ad, digest), signPublicKey);
  } catch {
    signed = false;
  }
  if (!signed) throw new EnvelopeError('bad_signature');
  const key = keys(keyId);
  if (!key || key.length !== 32) throw new EnvelopeError('unknown_key');
  const nonce = envelope.subarray(5, HEADER_BYTES);
  let inner: Uint8Array;
  try {
    inner = xchacha20poly1305(key, nonce, ad).decrypt(envelope.subarray(HEADER_BYTES, sealedEnd));
  } catch {
    throw new EnvelopeError('auth_failed');
  }
  const length = readUint32be(inner, 0);
  if (length > inner.length - LENGTH_BYTES) {
    inner.fill(0);
    throw new EnvelopeError('malformed');
  }
  return { plaintext: inner.subarray(LENGTH_BYTES, LENGTH_BYTES + length), digest };
}

/** A fresh random 32-byte workspace key. */
export function generateWorkspaceKey(keyId = 1): WorkspaceKey {
  return { keyId, key: randomBytes(32) };
}
