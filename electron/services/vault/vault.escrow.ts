import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { fromBase64Url, toBase64Url } from '../../../shared/sync/encoding';
import { secretCopy } from './vault.keyset';

/** A sealed box to an X25519 public key: what only the holder of the private key can open. */
export interface SealedBox {
  /** The sender's one-time X25519 public key (base64url). */
  readonly ephemeral: string;
  readonly nonce: string;
  readonly ciphertext: string;
}

const SEAL_INFO = utf8ToBytes('fieldvault/escrow-seal/v1');

/**
 * The box key: HKDF-SHA256 over the X25519 shared secret, salted with both public keys so the key
 * belongs to this ephemeral/recipient pair only (no key-compromise reuse across recipients).
 */
function boxKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  if (shared.every((b) => b === 0)) {
    throw new AppError('VALIDATION', 'The escrow public key is not a usable X25519 key');
  }
  return hkdf(sha256, shared, concatBytes(ephemeral, recipient), SEAL_INFO, 32);
}

/** Parses an unpadded base64url X25519 public key (the policy's `escrowKey`). */
export function parseEscrowPublicKey(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64Url(text);
  } catch (cause) {
    throw new AppError('VALIDATION', 'The escrow public key is not base64url', { cause });
  }
  if (key.length !== 32) throw new AppError('VALIDATION', 'The escrow public key is not 32 bytes');
  return key;
}

/**
 * Seals `plain` to `recipient`: a fresh ephemeral X25519 key, HKDF-SHA256 of the shared secret, then
 * XChaCha20-Poly1305 with a random nonce and `ad` as associated data (which names the vault and the
 * purpose, so a box cannot be moved to another vault or read as something else).
 */
export function sealTo(recipient: Uint8Array, plain: Uint8Array, ad: Uint8Array): SealedBox {
  const ephemeralSecret = x25519.utils.randomSecretKey();
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  let shared: Uint8Array | null = null;
  let key: Uint8Array | null = null;
  try {
    try {
      shared = x25519.getSharedSecret(ephemeralSecret, recipient);
    } catch (cause) {
      throw new AppError('VALIDATION', 'The escrow public key is not a usable X25519 key', { cause });
    }
    key = boxKey(shared, ephemeral, recipient);
    const nonce = randomBytes(24);
    const ciphertext = xchacha20poly1305(key, nonce, ad).encrypt(plain);
    return {
      ephemeral: toBase64Url(ephemeral),
      nonce: toBase64Url(nonce),
      ciphertext: toBase64Url(ciphertext),
    };
  } finally {
    ephemeralSecret.fill(0);
    shared?.fill(0);
    key?.fill(0);
  }
}

/** Opens a sealed box with the recipient's private key; `WRONG_KEY` when it is not for this key or was changed. */
export function openSealed(recipientSecret: Uint8Array, box: SealedBox, ad: Uint8Array): Uint8Array {
  let shared: Uint8Array | null = null;
  let key: Uint8Array | null = null;
  let plain: Uint8Array | null = null;
  try {
    const ephemeral = fromBase64Url(box.ephemeral);
    const recipient = x25519.getPublicKey(recipientSecret);
    shared = x25519.getSharedSecret(recipientSecret, ephemeral);
    key = boxKey(shared, ephemeral, recipient);
    plain = xchacha20poly1305(key, fromBase64Url(box.nonce), ad).decrypt(fromBase64Url(box.ciphertext));
    return secretCopy(plain);
  } catch (cause) {
    throw new AppError('WRONG_KEY', 'This escrow key does not open this vault', { cause });
  } finally {
    shared?.fill(0);
    key?.fill(0);
    plain?.fill(0);
  }
}

/** The first line of an escrow private key file; the key follows as unpadded base64url. */
const PRIVATE_KEY_HEADER = 'fieldvault-escrow-private-key-v1';

/** A new organisation escrow key pair: the file text for the private half, the policy value for the public one. */
export function generateEscrowKeyPair(): { privateKeyFile: string; publicKey: string } {
  const secret = x25519.utils.randomSecretKey();
  try {
    return {
      privateKeyFile: `${PRIVATE_KEY_HEADER}\n${toBase64Url(secret)}\n`,
      publicKey: toBase64Url(x25519.getPublicKey(secret)),
    };
  } finally {
    secret.fill(0);
  }
}

/** Reads the private key from a key file's text (`generateEscrowKeyPair`). */
export function parseEscrowPrivateKeyFile(text: string): Uint8Array {
  const [header, body] = text.trim().split(/\r?\n/);
  if (header !== PRIVATE_KEY_HEADER || !body) {
    throw new AppError('VALIDATION', 'This is not a FieldVault escrow private key file');
  }
  const decoded = fromBase64Url(body.trim());
  if (decoded.length !== 32) throw new AppError('VALIDATION', 'The escrow private key is not 32 bytes');
  const secret = secretCopy(decoded);
  decoded.fill(0);
  return secret;
}

/** The base64url public key that belongs to a private key. */
export function escrowPublicKeyOf(secret: Uint8Array): string {
  return toBase64Url(x25519.getPublicKey(secret));
}
