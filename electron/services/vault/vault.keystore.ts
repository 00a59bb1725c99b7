import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import type { Keychain } from '../keychain/keychain';
import { writeFileAtomic } from './vault.files';
import {
  cloneKeySet,
  decodeKeySet,
  encodeKeySet,
  keyIdHex,
  secretBytes,
  secretCopy,
  zeroKeySet,
  type KeySet,
  type VaultKey,
} from './vault.keyset';
import type { VaultLayout } from './vault.layout';
import { readRecoverySalt, writeRecoveryFile } from './vault.recovery';
import { unlockKeyId } from './vault.unlockers';

/** Keychain entry format 2: `2 | unlock key (32) | open counter (8, big-endian)`. Format 1 was the key set itself. */
const ENTRY_FORMAT = 2;
const ENTRY_BYTES = 1 + 32 + 8;

interface KeychainEntry {
  readonly unlockKey: Uint8Array;
  readonly counter: number;
}

interface WrapFile {
  format: 1;
  vaultId: string;
  nonce: string;
  ciphertext: string;
  /** Which unlock key the wrap is under (see `unlockKeyId`); absent in wraps of earlier versions. */
  unlockKeyId?: string;
}

/**
 * Where the key set lives outside the database. The OS keychain holds a random *unlock key* and the
 * rollback counter, never the vault key: the key set is wrapped under the unlock key in
 * `vault/keychain.wrap` (XChaCha20-Poly1305, bound to the vault id). keytar takes text, so whatever
 * the keychain holds exists as a base64 string that cannot be zeroed; this way that string is never
 * an encoding of the vault key. The recovery wrap (`recovery.json`) is the other unlocker. Both are
 * rewritten atomically whenever the set changes; neither change touches the database.
 *
 * Entries of format 1 (the key set itself, written by earlier versions) still open and are
 * converted at the next store: wrap first, then the keychain, so a crash between leaves the old
 * entry, which still holds every key the database may use.
 */
export class VaultKeystore {
  /** The entry last read or written, while the vault is open (one keychain read per unlock); zeroed by `forget`. */
  private cached: { vaultId: string; entry: KeychainEntry } | null = null;

  constructor(
    private readonly keychain: Keychain,
    private readonly layout: VaultLayout,
  ) {}

  private get wrapFile(): string {
    return path.join(this.layout.dir, 'keychain.wrap');
  }

  async load(vaultId: string): Promise<KeySet> {
    const read = await this.readEntry(vaultId);
    if (!read) {
      throw new AppError(
        'KEY_MISSING',
        "This vault's key is not in the OS keychain (new install or deleted entry): enter your recovery code",
      );
    }
    if ('legacy' in read) return read.legacy;
    return this.unwrap(vaultId, read.entry.unlockKey);
  }

  /** Makes `set` what the keychain unlocker opens (creating the unlock key on first use). */
  async store(vaultId: string, set: KeySet): Promise<void> {
    const read = await this.readEntry(vaultId);
    if (read && 'entry' in read) {
      this.wrap(vaultId, set, read.entry.unlockKey);
      return;
    }
    if (read) zeroKeySet(read.legacy);
    const unlockKey = globalThis.crypto.getRandomValues(secretBytes(32));
    this.wrap(vaultId, set, unlockKey);
    await this.writeEntry(vaultId, { unlockKey, counter: 0 });
  }

  /** The open counter kept with the unlock key; null when the entry has none (absent or format 1). */
  async counter(vaultId: string): Promise<number | null> {
    const read = await this.readEntry(vaultId);
    if (!read) return null;
    if ('legacy' in read) {
      zeroKeySet(read.legacy);
      return null;
    }
    return read.entry.counter;
  }

  async setCounter(vaultId: string, counter: number): Promise<void> {
    const read = await this.readEntry(vaultId);
    if (!read || 'legacy' in read) {
      if (read) zeroKeySet(read.legacy);
      return;
    }
    await this.writeEntry(vaultId, { unlockKey: read.entry.unlockKey, counter });
  }

  /** True when the keychain still holds a format-1 entry (the key set itself), to be converted. */
  async isLegacy(vaultId: string): Promise<boolean> {
    const read = await this.readEntry(vaultId);
    if (!read || 'entry' in read) return false;
    zeroKeySet(read.legacy);
    return true;
  }

  /**
   * A copy of the unlock key (the caller zeroes it), from the entry read at this unlock. The PIN and
   * escrow unlockers wrap this key, so they survive rekeys and new recovery codes.
   */
  async unlockKey(vaultId: string): Promise<Uint8Array> {
    let read = await this.readEntry(vaultId);
    if (read && 'legacy' in read) {
      // A format-1 entry has no unlock key yet: convert it first.
      const set = read.legacy;
      await this.store(vaultId, set);
      zeroKeySet(set);
      read = await this.readEntry(vaultId);
    }
    if (!read || !('entry' in read))
      throw new AppError('KEY_MISSING', "This vault's key is not in the OS keychain");
    return secretCopy(read.entry.unlockKey);
  }

  /**
   * The key set from an unlock key another unlocker gave (PIN, escrow). When the keychain has no
   * entry (a new keyring backend, a wiped login keyring), the entry is written back with that key,
   * so every other unlocker keeps working. Takes ownership of `unlockKey`.
   */
  async loadWithUnlockKey(vaultId: string, unlockKey: Uint8Array): Promise<KeySet> {
    let set: KeySet;
    try {
      set = this.unwrap(vaultId, unlockKey);
    } catch (error) {
      unlockKey.fill(0);
      throw error;
    }
    try {
      const read = await this.readEntry(vaultId);
      if (read && 'legacy' in read) zeroKeySet(read.legacy);
      if (!read || !('entry' in read) || !equalBytes(read.entry.unlockKey, unlockKey)) {
        await this.writeEntry(vaultId, { unlockKey: secretCopy(unlockKey), counter: 0 });
      }
    } catch (error) {
      zeroKeySet(set);
      throw error;
    } finally {
      unlockKey.fill(0);
    }
    return set;
  }

  /** The id of the unlock key `keychain.wrap` is under (null: no wrap, or one of an earlier version). */
  wrapUnlockKeyId(): string | null {
    try {
      const body = JSON.parse(readFileSync(this.wrapFile, 'utf8')) as WrapFile;
      return typeof body.unlockKeyId === 'string' ? body.unlockKeyId : null;
    } catch {
      return null;
    }
  }

  /** The key set `keychain.wrap` holds, opened with `unlockKey` (the escrow recovery tool); no keychain call. */
  unwrapWith(vaultId: string, unlockKey: Uint8Array): KeySet {
    return this.unwrap(vaultId, unlockKey);
  }

  /** Rewrites `keychain.wrap` for `set` under `unlockKey` (the escrow recovery tool); no keychain call. */
  wrapWith(vaultId: string, set: KeySet, unlockKey: Uint8Array): void {
    this.wrap(vaultId, set, unlockKey);
  }

  /** Whether the keychain holds an entry for the vault, without keeping anything read. */
  async probe(vaultId: string): Promise<boolean> {
    if (this.cached?.vaultId === vaultId) return true;
    const raw = await this.keychain.get(vaultId);
    raw?.fill(0);
    return raw !== null;
  }

  /** Zeroes the cached unlock key (at lock). */
  forget(): void {
    this.cached?.entry.unlockKey.fill(0);
    this.cached = null;
  }

  delete(vaultId: string): Promise<boolean> {
    this.forget();
    return this.keychain.delete(vaultId);
  }

  /** Re-wraps `set` for the same recovery code (same salt and KDF parameters). */
  writeRecovery(vaultId: string, set: KeySet): void {
    if (!set.kek) throw new AppError('INTERNAL', 'The recovery wrapping key is missing');
    const { salt, params } = readRecoverySalt(this.layout.recoveryFile);
    writeRecoveryFile(this.layout.recoveryFile, vaultId, set, set.kek, salt, params);
  }

  /** The opening key first, then only the retired keys that an existing backup still needs. */
  tidy(set: KeySet, current: VaultKey): KeySet {
    const needed = this.layout.backupKeyIds();
    const others = set.keys.filter((k) => k !== current && needed.has(keyIdHex(k)));
    const ordered = [current, ...others];
    if (ordered.length === set.keys.length && ordered.every((k, i) => k === set.keys[i])) return set;
    return cloneKeySet({ keys: ordered, kek: set.kek });
  }

  private async readEntry(vaultId: string): Promise<{ entry: KeychainEntry } | { legacy: KeySet } | null> {
    if (this.cached?.vaultId === vaultId) return { entry: this.cached.entry };
    this.forget();
    const raw = await this.keychain.get(vaultId);
    if (!raw) return null;
    try {
      if (raw[0] === ENTRY_FORMAT && raw.length === ENTRY_BYTES) {
        const counter = Number(new DataView(raw.buffer, raw.byteOffset + 33, 8).getBigUint64(0));
        const entry = { unlockKey: secretCopy(raw.subarray(1, 33)), counter };
        this.cached = { vaultId, entry };
        return { entry };
      }
      return { legacy: decodeKeySet(raw) };
    } finally {
      raw.fill(0);
    }
  }

  private async writeEntry(vaultId: string, entry: KeychainEntry): Promise<void> {
    const bytes = secretBytes(ENTRY_BYTES);
    try {
      bytes[0] = ENTRY_FORMAT;
      bytes.set(entry.unlockKey, 1);
      new DataView(bytes.buffer).setBigUint64(33, BigInt(entry.counter));
      await this.keychain.set(vaultId, bytes);
    } finally {
      bytes.fill(0);
    }
    if (this.cached?.vaultId === vaultId && this.cached.entry.unlockKey === entry.unlockKey) {
      this.cached = { vaultId, entry: { unlockKey: entry.unlockKey, counter: entry.counter } };
    } else {
      this.forget();
      this.cached = { vaultId, entry: { unlockKey: secretCopy(entry.unlockKey), counter: entry.counter } };
      entry.unlockKey.fill(0);
    }
  }

  private wrap(vaultId: string, set: KeySet, unlockKey: Uint8Array): void {
    const nonce = randomBytes(24);
    const plain = encodeKeySet(set);
    try {
      const ciphertext = xchacha20poly1305(unlockKey, nonce, wrapAd(vaultId)).encrypt(plain);
      const body: WrapFile = {
        format: 1,
        vaultId,
        nonce: Buffer.from(nonce).toString('base64'),
        ciphertext: Buffer.from(ciphertext).toString('base64'),
        unlockKeyId: unlockKeyId(unlockKey),
      };
      writeFileAtomic(this.wrapFile, JSON.stringify(body) + '\n');
    } finally {
      plain.fill(0);
    }
  }

  private unwrap(vaultId: string, unlockKey: Uint8Array): KeySet {
    let body: WrapFile;
    try {
      if (!existsSync(this.wrapFile)) throw new Error('missing');
      body = JSON.parse(readFileSync(this.wrapFile, 'utf8')) as WrapFile;
      if (body.format !== 1 || body.vaultId !== vaultId) throw new Error('foreign');
    } catch (cause) {
      throw new AppError(
        'KEY_MISSING',
        "This vault's keychain wrap is missing or damaged: enter your recovery code",
        { cause },
      );
    }
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(
        unlockKey,
        new Uint8Array(Buffer.from(body.nonce, 'base64')),
        wrapAd(vaultId),
      ).decrypt(new Uint8Array(Buffer.from(body.ciphertext, 'base64')));
    } catch (cause) {
      throw new AppError(
        'WRONG_KEY',
        'The key in the OS keychain does not open this vault: enter your recovery code',
        { cause },
      );
    }
    try {
      return decodeKeySet(plain);
    } finally {
      plain.fill(0);
    }
  }
}

function wrapAd(vaultId: string): Uint8Array {
  return utf8ToBytes(`fieldvault/keychain-wrap/v1|${vaultId}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function sameKeys(a: KeySet, b: KeySet): boolean {
  return a.keys.length === b.keys.length && a.keys.every((k, i) => keyIdHex(k) === keyIdHex(b.keys[i]!));
}
