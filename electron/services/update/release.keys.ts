import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AppError } from '../../../shared/errors';

/**
 * The Ed25519 release public keys that ship in the app (raw 32-byte keys, base64). Must equal
 * build/release-public-key.txt, one key per line (a test keeps them equal). Several keys allow a
 * rotation: the new key ships one release before it starts signing. The private half is a secret of
 * the release pipeline and never in the repository.
 */
export const SHIPPED_RELEASE_KEYS: readonly string[] = ['xl4fEFybIifJ9Df9oCTM23+pgDebRfNaNjBid0+BEks='];

/** A release key ready to verify with, named by its key id. */
export interface ReleasePublicKey {
  readonly keyId: string;
  readonly key: KeyObject;
}

/** The key id a signature names: the first 8 bytes of SHA-256 over the raw public key, hex. */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

/** Parses a raw base64 Ed25519 public key. Throws VALIDATION on anything else. */
export function releasePublicKey(base64: string): ReleasePublicKey {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim()) {
    throw new AppError('VALIDATION', 'A release public key must be 32 bytes of base64.');
  }
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  return { keyId: keyIdOf(raw), key };
}

/** The raw 32-byte public key of an Ed25519 key object (public or private), base64. */
export function rawPublicKeyBase64(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new AppError('VALIDATION', 'Not an Ed25519 key.');
  }
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** The keys this build trusts. */
export function shippedReleaseKeys(): readonly ReleasePublicKey[] {
  return SHIPPED_RELEASE_KEYS.map(releasePublicKey);
}
