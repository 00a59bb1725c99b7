import { AppError } from '../../../shared/errors';

/** One vault key with its random id (the id names it in backup headers; it reveals nothing of the key). */
export interface VaultKey {
  readonly id: Uint8Array;
  readonly key: Uint8Array;
}

/**
 * What the keychain entry holds: the vault keys (the first is current; the others are a key being
 * introduced by an unfinished rekey, or retired keys still needed by older backups) and the recovery
 * wrapping key, so a rekey can re-wrap the new keys for the same recovery code without asking for it.
 * Holding the wrapping key next to the vault key gives nothing away: either one opens the vault.
 */
export interface KeySet {
  readonly keys: readonly VaultKey[];
  readonly kek: Uint8Array | null;
}

export const KEY_BYTES = 32;
export const KEY_ID_BYTES = 16;
const FORMAT = 1;
const MAX_KEYS = 32;

/**
 * A zeroed byte array whose memory stays where it is. V8 keeps typed arrays of up to 64 bytes made
 * with `new Uint8Array(n)` (or `slice`, `from`) inside the JS heap, and the garbage collector moves
 * them, leaving stale copies that `fill(0)` never reaches. An explicit `ArrayBuffer` lives outside
 * the heap and never moves, so zeroing it really removes the key. Every key buffer comes from here.
 */
export function secretBytes(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

/** A `secretBytes` copy of `source`. */
export function secretCopy(source: Uint8Array): Uint8Array {
  const out = secretBytes(source.length);
  out.set(source);
  return out;
}

export function newVaultKey(): VaultKey {
  // Filled in place: no short-lived heap copy of the random key.
  const key = globalThis.crypto.getRandomValues(secretBytes(KEY_BYTES));
  const id = globalThis.crypto.getRandomValues(new Uint8Array(KEY_ID_BYTES));
  return { id, key };
}

export function keyIdHex(key: VaultKey): string {
  return Buffer.from(key.id).toString('hex');
}

/** Binary form: version, key count, flags, [kek], then (id, key) pairs. Never a string. */
export function encodeKeySet(set: KeySet): Uint8Array {
  if (set.keys.length === 0 || set.keys.length > MAX_KEYS) throw new AppError('INTERNAL', 'Bad key set');
  const kekBytes = set.kek ? KEY_BYTES : 0;
  const out = secretBytes(3 + kekBytes + set.keys.length * (KEY_ID_BYTES + KEY_BYTES));
  out[0] = FORMAT;
  out[1] = set.keys.length;
  out[2] = set.kek ? 1 : 0;
  let off = 3;
  if (set.kek) {
    out.set(set.kek, off);
    off += KEY_BYTES;
  }
  for (const k of set.keys) {
    out.set(k.id, off);
    out.set(k.key, off + KEY_ID_BYTES);
    off += KEY_ID_BYTES + KEY_BYTES;
  }
  return out;
}

/** Parses a key set; `WRONG_KEY` when the bytes are not one (a foreign or damaged keychain entry). */
export function decodeKeySet(bytes: Uint8Array): KeySet {
  const n = bytes[1] ?? 0;
  const hasKek = bytes[2] === 1;
  const expected = 3 + (hasKek ? KEY_BYTES : 0) + n * (KEY_ID_BYTES + KEY_BYTES);
  if (bytes[0] !== FORMAT || n < 1 || n > MAX_KEYS || bytes.length !== expected || (bytes[2] ?? 2) > 1) {
    throw new AppError('WRONG_KEY', 'The keychain entry of this vault is not a FieldVault key');
  }
  let off = 3;
  let kek: Uint8Array | null = null;
  if (hasKek) {
    kek = secretCopy(bytes.subarray(off, off + KEY_BYTES));
    off += KEY_BYTES;
  }
  const keys: VaultKey[] = [];
  for (let i = 0; i < n; i++) {
    keys.push({
      id: bytes.slice(off, off + KEY_ID_BYTES),
      key: secretCopy(bytes.subarray(off + KEY_ID_BYTES, off + KEY_ID_BYTES + KEY_BYTES)),
    });
    off += KEY_ID_BYTES + KEY_BYTES;
  }
  return { keys, kek };
}

/** A copy whose buffers are independent of `set` (so zeroing one never touches the other). */
export function cloneKeySet(set: KeySet): KeySet {
  return {
    keys: set.keys.map((k) => ({ id: Uint8Array.from(k.id), key: secretCopy(k.key) })),
    kek: set.kek ? secretCopy(set.kek) : null,
  };
}

export function findKey(set: KeySet, idHex: string): VaultKey | undefined {
  return set.keys.find((k) => keyIdHex(k) === idHex);
}

/** Overwrites every key buffer with zeros. */
export function zeroKeySet(set: KeySet | null | undefined): void {
  if (!set) return;
  for (const k of set.keys) k.key.fill(0);
  set.kek?.fill(0);
}
