import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Ed25519 verification for the server with node:crypto (OpenSSL), about 13x the portable @noble
 * verify the clients use (issue 17), with one parsed `KeyObject` cached per device public key so a
 * request pays neither a DER parse nor a key import. Least recently used keys leave first once
 * `maxKeys` are held; a public key is not secret, so the cache holds nothing sensitive.
 *
 * Accepts exactly what the @noble verify accepts for every honestly made signature and refuses every
 * altered one (test/node/server/ed25519.native.test.ts). It is stricter on one class only: weak keys
 * and signatures with small-order components that @noble's ZIP-215 rules let through (the identity
 * key "signs" any message there); OpenSSL refuses them, as RFC 8032 verification does.
 */
export class NativeEd25519 {
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly maxKeys = 10_000) {}

  /** True when `signature` (64 bytes) is `publicKey`'s (32 bytes) Ed25519 signature of `message`. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    const key = this.keyObject(publicKey);
    if (!key) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  }

  /** Keys held in the cache (tests, metrics). */
  get size(): number {
    return this.keys.size;
  }

  private keyObject(publicKey: Uint8Array): KeyObject | null {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64');
    const cached = this.keys.get(id);
    if (cached) {
      // Move to the back: Map order is the eviction order.
      this.keys.delete(id);
      this.keys.set(id, cached);
      return cached;
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      return null;
    }
    if (this.keys.size >= this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(id, key);
    return key;
  }
}

/** The process's verifier: every server instance in it shares the key cache. */
export const nativeEd25519 = new NativeEd25519();
