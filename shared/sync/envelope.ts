import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../errors';
import { framed, readUint32be, uint32be, utf8 } from './encoding';

/** Current envelope format version (first byte of every sealed delta). */
export const ENVELOPE_VERSION = 1;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4 + NONCE_BYTES;
/** Smallest possible envelope: header plus the Poly1305 tag of an empty plaintext. */
export const ENVELOPE_MIN_BYTES = HEADER_BYTES + TAG_BYTES;
const AD_LABEL = utf8('fieldvault/delta/v1');

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

/** Why an envelope did not open. */
export type EnvelopeFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'auth_failed';

/**
 * An envelope that failed to open: tampered, moved to another workspace/device/delta id, sealed
 * under an unknown key, or not an envelope at all. Code `DELTA_REJECTED`; `reason` says which.
 */
export class EnvelopeError extends AppError {
  constructor(readonly reason: EnvelopeFailure) {
    super('DELTA_REJECTED', `delta envelope rejected: ${reason}`);
  }
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

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new AppError('VALIDATION', 'workspace key must be 32 bytes');
}

/**
 * Encrypts one delta: `version(1) | keyId(4, BE) | nonce(24) | XChaCha20-Poly1305(ciphertext+tag)`,
 * with associated data binding version, key id, workspace, device and delta id.
 */
export function sealDelta(plaintext: Uint8Array, place: DeltaPlace, key: WorkspaceKey): Uint8Array {
  checkKey(key.key);
  const nonce = randomBytes(NONCE_BYTES);
  const ad = associatedData(ENVELOPE_VERSION, key.keyId, place);
  const ciphertext = xchacha20poly1305(key.key, nonce, ad).encrypt(plaintext);
  const out = new Uint8Array(HEADER_BYTES + ciphertext.length);
  out[0] = ENVELOPE_VERSION;
  out.set(uint32be(key.keyId), 1);
  out.set(nonce, 5);
  out.set(ciphertext, HEADER_BYTES);
  return out;
}

/** The key id an envelope claims (to pick a key), without authenticating anything. */
export function envelopeKeyId(envelope: Uint8Array): number {
  if (envelope.length < ENVELOPE_MIN_BYTES) throw new EnvelopeError('malformed');
  if (envelope[0] !== ENVELOPE_VERSION) throw new EnvelopeError('unsupported_version');
  return readUint32be(envelope, 1);
}

/**
 * Authenticates and decrypts one delta sealed for `place`. `keys` finds the workspace key by id.
 * Throws `EnvelopeError` (code `DELTA_REJECTED`) on any failure; never returns unauthenticated bytes.
 */
export function openDelta(
  envelope: Uint8Array,
  place: DeltaPlace,
  keys: (keyId: number) => Uint8Array | undefined,
): Uint8Array {
  const keyId = envelopeKeyId(envelope);
  const key = keys(keyId);
  if (!key || key.length !== 32) throw new EnvelopeError('unknown_key');
  const nonce = envelope.subarray(5, HEADER_BYTES);
  const ad = associatedData(ENVELOPE_VERSION, keyId, place);
  try {
    return xchacha20poly1305(key, nonce, ad).decrypt(envelope.subarray(HEADER_BYTES));
  } catch {
    throw new EnvelopeError('auth_failed');
  }
}

/** A fresh random 32-byte workspace key. */
export function generateWorkspaceKey(keyId = 1): WorkspaceKey {
  return { keyId, key: randomBytes(32) };
}
