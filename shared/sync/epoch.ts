import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { bytesEqual, framed, fromBase64Url, toBase64Url, uint32be, utf8 } from './encoding';

/**
 * Key epochs (issue 12). Workspace key N+1 travels to each remaining device as an X25519 sealed box
 * (an ephemeral key pair, HKDF-SHA256 of the shared secret, XChaCha20-Poly1305), with associated
 * data binding the workspace, the epoch and the recipient. A `rotate` membership entry carries the
 * wraps, a commitment to the new key (so a device knows it unwrapped the key every other device got)
 * and the previous epoch's key sealed under the new one: whoever holds the newest key can walk back
 * to every older one (a device that joins later reads the history), and a device without the
 * newest key (a revoked one) gets nothing new. Pure functions; callers zero the keys they get.
 */

/** The epoch of the key a workspace is created with (the genesis entry names no commitment). */
export const FIRST_EPOCH = 1;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;
/** nonce | ciphertext of a 32-byte key | tag. */
const SEALED_BYTES = NONCE_BYTES + KEY_BYTES + 16;
const WRAP_LABEL = utf8('fieldvault/epoch-wrap/v1');
const ESCROW_LABEL = utf8('fieldvault/epoch-escrow/v1');
const CHAIN_LABEL = utf8('fieldvault/epoch-chain/v1');
const COMMIT_LABEL = utf8('fieldvault/epoch-commit/v1');

const b64 = (chars: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}$`));
/** base64url of a 32-byte public key. */
const publicKeySchema = b64(43);
/** base64url of SEALED_BYTES. */
const sealedSchema = b64(96);

/** One sealed box: the sender's ephemeral X25519 public key and nonce | ciphertext | tag. */
export const sealedKeySchema = z.strictObject({ ephemeral: publicKeySchema, sealed: sealedSchema });
export type SealedKey = z.infer<typeof sealedKeySchema>;

/** The epoch key sealed to one device's X25519 public key. */
export const epochWrapSchema = z.strictObject({
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  ...sealedKeySchema.shape,
});
export type EpochWrap = z.infer<typeof epochWrapSchema>;

/** What every epoch key is bound to. */
export interface EpochPlace {
  readonly workspaceId: string;
  readonly epoch: number;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new Error('an epoch key must be 32 bytes');
}

function seal(
  key: Uint8Array,
  recipient: Uint8Array,
  label: Uint8Array,
  ad: Uint8Array,
): { ephemeral: string; sealed: string } {
  checkKey(key);
  const ephemeralSecret = randomBytes(32);
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const shared = x25519.getSharedSecret(ephemeralSecret, recipient);
  ephemeralSecret.fill(0);
  const wrapKey = hkdf(sha256, shared, framed(ephemeral, recipient), framed(label, ad), 32);
  shared.fill(0);
  const nonce = randomBytes(NONCE_BYTES);
  const out = new Uint8Array(SEALED_BYTES);
  out.set(nonce, 0);
  out.set(xchacha20poly1305(wrapKey, nonce, framed(label, ad)).encrypt(key), NONCE_BYTES);
  wrapKey.fill(0);
  return { ephemeral: toBase64Url(ephemeral), sealed: toBase64Url(out) };
}

/** The key inside a sealed box, or null when it is not for `secretKey` or was altered or moved. */
function open(box: SealedKey, secretKey: Uint8Array, label: Uint8Array, ad: Uint8Array): Uint8Array | null {
  try {
    const ephemeral = fromBase64Url(box.ephemeral);
    const sealed = fromBase64Url(box.sealed);
    if (ephemeral.length !== 32 || sealed.length !== SEALED_BYTES) return null;
    const recipient = x25519.getPublicKey(secretKey);
    const shared = x25519.getSharedSecret(secretKey, ephemeral);
    const wrapKey = hkdf(sha256, shared, framed(ephemeral, recipient), framed(label, ad), 32);
    shared.fill(0);
    try {
      return xchacha20poly1305(wrapKey, sealed.subarray(0, NONCE_BYTES), framed(label, ad)).decrypt(
        sealed.subarray(NONCE_BYTES),
      );
    } finally {
      wrapKey.fill(0);
    }
  } catch {
    return null;
  }
}

function wrapAd(place: EpochPlace, deviceId: string): Uint8Array {
  return framed(utf8(place.workspaceId), uint32be(place.epoch), utf8(deviceId));
}

/** Seals `key` (epoch `place.epoch`) to one device's X25519 public key (base64url, from the log). */
export function wrapEpochKey(
  key: Uint8Array,
  place: EpochPlace,
  recipient: { readonly deviceId: string; readonly boxPublicKey: string },
): EpochWrap {
  const box = seal(key, fromBase64Url(recipient.boxPublicKey), WRAP_LABEL, wrapAd(place, recipient.deviceId));
  return { deviceId: recipient.deviceId, ...box };
}

/** Opens this device's wrap with its X25519 secret key; null when it does not open. */
export function unwrapEpochKey(
  wrap: EpochWrap,
  place: EpochPlace,
  boxSecretKey: Uint8Array,
): Uint8Array | null {
  return open(wrap, boxSecretKey, WRAP_LABEL, wrapAd(place, wrap.deviceId));
}

/** Seals `key` to an organisation's escrow X25519 public key (32 bytes, from IT policy). */
export function escrowEpochKey(key: Uint8Array, place: EpochPlace, escrowPublicKey: Uint8Array): SealedKey {
  return seal(key, escrowPublicKey, ESCROW_LABEL, wrapAd(place, 'escrow'));
}

/** Opens an escrow wrap with the organisation's escrow X25519 secret key; null when it does not open. */
export function unescrowEpochKey(
  box: SealedKey,
  place: EpochPlace,
  escrowSecretKey: Uint8Array,
): Uint8Array | null {
  return open(box, escrowSecretKey, ESCROW_LABEL, wrapAd(place, 'escrow'));
}

/** The commitment a rotate entry carries: SHA-256 over a domain tag, the place and the key. */
export function epochCommitment(key: Uint8Array, place: EpochPlace): string {
  checkKey(key);
  return toBase64Url(sha256(framed(COMMIT_LABEL, utf8(place.workspaceId), uint32be(place.epoch), key)));
}

/** True when `key` is the one `commitment` names for `place`. */
export function checkEpochKey(key: Uint8Array, place: EpochPlace, commitment: string): boolean {
  if (key.length !== KEY_BYTES) return false;
  return bytesEqual(utf8(epochCommitment(key, place)), utf8(commitment));
}

function chainAd(place: EpochPlace): Uint8Array {
  return framed(CHAIN_LABEL, utf8(place.workspaceId), uint32be(place.epoch));
}

/** The key of epoch `place.epoch - 1` sealed under the key of `place.epoch` (base64url, 96 chars). */
export function chainPreviousKey(previous: Uint8Array, key: Uint8Array, place: EpochPlace): string {
  checkKey(previous);
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const out = new Uint8Array(SEALED_BYTES);
  out.set(nonce, 0);
  out.set(xchacha20poly1305(key, nonce, chainAd(place)).encrypt(previous), NONCE_BYTES);
  return toBase64Url(out);
}

/** The previous epoch's key from `chained`, opened with the key of `place.epoch`; null when it does not open. */
export function openPreviousKey(chained: string, key: Uint8Array, place: EpochPlace): Uint8Array | null {
  try {
    const bytes = fromBase64Url(chained);
    if (bytes.length !== SEALED_BYTES) return null;
    return xchacha20poly1305(key, bytes.subarray(0, NONCE_BYTES), chainAd(place)).decrypt(
      bytes.subarray(NONCE_BYTES),
    );
  } catch {
    return null;
  }
}
