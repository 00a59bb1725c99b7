import { closeSync, fstatSync, fsyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { mapFsError } from './vault.files';
import { KEY_BYTES, keyIdHex, secretBytes, secretCopy, type VaultKey } from './vault.keyset';
import type { ScryptParams } from './vault.recovery';

/**
 * The backup file (`<id>.fvbackup`): one file, encrypted and checksummed.
 *
 *   "FVBACKUP" | version (1 byte) | header length (u32 BE) | header JSON | database | HMAC-SHA256 (32)
 *
 * The database is a `VACUUM INTO` snapshot of the live store: already encrypted page by page with the
 * vault key (AEGIS-256, authenticated). The header names the vault, the key (by id) and the SHA-256 of the
 * database bytes; the trailing HMAC, under a key derived from the vault key and vault id, covers
 * everything before it. So a damaged, truncated or foreign backup is refused before anything is touched.
 * The header holds ids, a time, a size and the app version: nothing about the customer data.
 *
 * `wrap` (when the vault has a recovery code) is the backup's own key sealed under the recovery
 * wrapping key (XChaCha20-Poly1305, bound to vault, key id and KDF parameters), with the scrypt salt
 * and parameters that derive that wrapping key from the code. So a backup carried away on a USB stick
 * opens with the recovery code after any number of rekeys, on a fresh keychain, even once the vault
 * itself no longer holds the key it was written under. The wrapping key never leaves the keychain entry.
 */
const MAGIC = utf8ToBytes('FVBACKUP');
const VERSION = 1;
const MAC_BYTES = 32;
const MAX_HEADER = 4096;
const CHUNK = 1 << 20;

/** The backup's key under the recovery wrapping key (see the file comment). */
export interface BackupKeyWrap {
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly nonce: string;
  readonly ciphertext: string;
}

export interface BackupHeader {
  readonly vaultId: string;
  readonly keyId: string;
  readonly createdAt: string;
  readonly dbBytes: number;
  readonly sha256: string;
  /** The version of the app that wrote it (absent in backups from before it was recorded). */
  readonly appVersion?: string;
  readonly wrap?: BackupKeyWrap;
}

function wrapAd(
  vaultId: string,
  keyId: string,
  w: Pick<BackupKeyWrap, 'salt' | 'N' | 'r' | 'p'>,
): Uint8Array {
  return utf8ToBytes(`fieldvault/backup-key/v1|${vaultId}|${keyId}|scrypt|${w.N}|${w.r}|${w.p}|${w.salt}`);
}

/**
 * The sealed plaintext is the key padded to 96 bytes. V8 keeps typed arrays of up to 64 bytes inside
 * the JS heap, where the collector moves them and leaves copies `fill(0)` never reaches; noble-ciphers
 * copies the plaintext into its output array before encrypting it in place, and decrypts into a new
 * one. Above 64 bytes both live outside the heap and are zeroed where they are (see `secretBytes`).
 */
const WRAP_PLAIN = 96;

/** Seals `key` under the recovery wrapping key `kek` (derived from the code with `salt`, `params`). */
export function wrapBackupKey(
  key: VaultKey,
  vaultId: string,
  kek: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): BackupKeyWrap {
  const base = { salt: Buffer.from(salt).toString('base64'), N: params.N, r: params.r, p: params.p };
  const nonce = randomBytes(24);
  const plain = secretBytes(WRAP_PLAIN);
  plain.set(key.key);
  const ciphertext = xchacha20poly1305(kek, nonce, wrapAd(vaultId, keyIdHex(key), base)).encrypt(plain);
  plain.fill(0);
  return {
    ...base,
    nonce: Buffer.from(nonce).toString('base64'),
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
}

/** The backup's key if `kek` opens its wrap, else null (another code, no wrap, a damaged wrap). */
export function unwrapBackupKey(header: BackupHeader, kek: Uint8Array): VaultKey | null {
  const w = header.wrap;
  if (!w) return null;
  try {
    const plain = xchacha20poly1305(
      kek,
      new Uint8Array(Buffer.from(w.nonce, 'base64')),
      wrapAd(header.vaultId, header.keyId, w),
    ).decrypt(new Uint8Array(Buffer.from(w.ciphertext, 'base64')));
    try {
      if (plain.length !== WRAP_PLAIN) return null;
      return {
        id: new Uint8Array(Buffer.from(header.keyId, 'hex')),
        key: secretCopy(plain.subarray(0, KEY_BYTES)),
      };
    } finally {
      plain.fill(0);
    }
  } catch {
    return null;
  }
}

function validWrap(w: unknown): boolean {
  if (w === undefined) return true;
  if (typeof w !== 'object' || w === null) return false;
  const x = w as Record<string, unknown>;
  return (
    typeof x.salt === 'string' &&
    typeof x.nonce === 'string' &&
    typeof x.ciphertext === 'string' &&
    [x.N, x.r, x.p].every((n) => Number.isSafeInteger(n)) &&
    (x.N as number) >= 2 ** 10 &&
    (x.N as number) <= 2 ** 20 &&
    (x.r as number) >= 1 &&
    (x.r as number) <= 16 &&
    (x.p as number) >= 1 &&
    (x.p as number) <= 4
  );
}

function macKey(key: VaultKey, vaultId: string): Uint8Array {
  return hkdf(sha256, key.key, utf8ToBytes(vaultId), utf8ToBytes('fieldvault/backup-mac/v1'), 32);
}

function invalid(message: string, cause?: unknown): AppError {
  return new AppError('BACKUP_INVALID', message, cause === undefined ? undefined : { cause });
}

/** Reads `length` bytes at `position`; fewer only at end of file. */
function readAt(fd: number, length: number, position: number): Uint8Array {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Wraps the snapshot `dbFile` into the backup container `outFile` (fsynced). */
export function writeBackupFile(
  dbFile: string,
  outFile: string,
  meta: { vaultId: string; key: VaultKey; createdAt: string; appVersion?: string; wrap?: BackupKeyWrap },
): number {
  const inFd = openSync(dbFile, 'r');
  let outFd: number | null = null;
  try {
    const dbBytes = fstatSync(inFd).size;
    const digest = sha256.create();
    for (let pos = 0; pos < dbBytes; pos += CHUNK)
      digest.update(readAt(inFd, Math.min(CHUNK, dbBytes - pos), pos));
    const header: BackupHeader = {
      vaultId: meta.vaultId,
      keyId: keyIdHex(meta.key),
      createdAt: meta.createdAt,
      dbBytes,
      sha256: Buffer.from(digest.digest()).toString('hex'),
      ...(meta.appVersion ? { appVersion: meta.appVersion } : {}),
      ...(meta.wrap ? { wrap: meta.wrap } : {}),
    };
    const headerBytes = utf8ToBytes(JSON.stringify(header));
    const prefix = new Uint8Array(MAGIC.length + 5);
    prefix.set(MAGIC);
    prefix[MAGIC.length] = VERSION;
    new DataView(prefix.buffer).setUint32(MAGIC.length + 1, headerBytes.length);
    const mk = macKey(meta.key, meta.vaultId);
    const mac = hmac.create(sha256, mk);
    mk.fill(0);
    outFd = openSync(outFile, 'w', 0o600);
    for (const part of [prefix, headerBytes]) {
      mac.update(part);
      writeAll(outFd, part);
    }
    for (let pos = 0; pos < dbBytes; pos += CHUNK) {
      const chunk = readAt(inFd, Math.min(CHUNK, dbBytes - pos), pos);
      mac.update(chunk);
      writeAll(outFd, chunk);
    }
    writeAll(outFd, mac.digest());
    fsyncSync(outFd);
    return MAGIC.length + 5 + headerBytes.length + dbBytes + MAC_BYTES;
  } catch (error) {
    if (outFd !== null) {
      closeSync(outFd);
      outFd = null;
      rmSync(outFile, { force: true });
    }
    throw mapFsError(error);
  } finally {
    closeSync(inFd);
    if (outFd !== null) closeSync(outFd);
  }
}

/** Parses the header only (for listing); `BACKUP_INVALID` when it is not a FieldVault backup. */
export function readBackupHeader(file: string): { header: BackupHeader; dataOffset: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw invalid('The backup file cannot be read', error);
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = readAt(fd, MAGIC.length + 5, 0);
    if (prefix.length < MAGIC.length + 5 || !MAGIC.every((b, i) => prefix[i] === b)) {
      throw invalid('This file is not a FieldVault backup');
    }
    if (prefix[MAGIC.length] !== VERSION)
      throw invalid('This backup was made by an unknown version of FieldVault');
    const headerLength = new DataView(prefix.buffer, prefix.byteOffset).getUint32(MAGIC.length + 1);
    if (headerLength < 2 || headerLength > MAX_HEADER) throw invalid('The backup header is damaged');
    const headerBytes = readAt(fd, headerLength, prefix.length);
    if (headerBytes.length !== headerLength) throw invalid('The backup is truncated');
    let header: BackupHeader;
    try {
      header = JSON.parse(Buffer.from(headerBytes).toString('utf8')) as BackupHeader;
    } catch (error) {
      throw invalid('The backup header is damaged', error);
    }
    const valid =
      typeof header.vaultId === 'string' &&
      typeof header.keyId === 'string' &&
      typeof header.createdAt === 'string' &&
      Number.isSafeInteger(header.dbBytes) &&
      header.dbBytes > 0 &&
      typeof header.sha256 === 'string' &&
      /^[a-f0-9]{32}$/.test(header.keyId) &&
      (header.appVersion === undefined || typeof header.appVersion === 'string') &&
      validWrap(header.wrap);
    if (!valid) throw invalid('The backup header is damaged');
    const dataOffset = prefix.length + headerLength;
    if (size !== dataOffset + header.dbBytes + MAC_BYTES)
      throw invalid('The backup is truncated or has extra bytes');
    return { header, dataOffset, size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Verifies a backup completely (vault, key, HMAC over every byte, SHA-256 of the database) and writes
 * the database it holds to `outFile` (null: verify only, for the backup list). Nothing outside
 * `outFile` is written; on failure `outFile` is removed. The caller still opens the copy and runs
 * `integrity_check` before using it. `keyFor` gets the header, so it may open the key's wrap.
 */
export function extractBackup(
  file: string,
  outFile: string | null,
  expect: { vaultId: string; keyFor: (header: BackupHeader) => VaultKey | undefined },
): BackupHeader {
  const { header, dataOffset, size } = readBackupHeader(file);
  if (header.vaultId !== expect.vaultId) throw invalid('This backup belongs to another vault');
  const key = expect.keyFor(header);
  if (!key) {
    throw invalid(
      header.wrap
        ? 'This backup was made with a key this vault no longer holds: enter the recovery code that was current when it was made'
        : 'This backup was made with a key this vault no longer holds',
    );
  }
  const fd = openSync(file, 'r');
  let outFd: number | null = null;
  try {
    const mk = macKey(key, header.vaultId);
    const mac = hmac.create(sha256, mk);
    mk.fill(0);
    const digest = sha256.create();
    mac.update(readAt(fd, dataOffset, 0));
    if (outFile !== null) outFd = openSync(outFile, 'w', 0o600);
    const end = dataOffset + header.dbBytes;
    for (let pos = dataOffset; pos < end; pos += CHUNK) {
      const chunk = readAt(fd, Math.min(CHUNK, end - pos), pos);
      mac.update(chunk);
      digest.update(chunk);
      if (outFd !== null) writeAll(outFd, chunk);
    }
    const stored = readAt(fd, MAC_BYTES, end);
    const computed = mac.digest();
    if (stored.length !== MAC_BYTES || size !== end + MAC_BYTES || !equal(stored, computed)) {
      throw invalid('The backup is damaged or was not made by this vault');
    }
    if (Buffer.from(digest.digest()).toString('hex') !== header.sha256)
      throw invalid('The backup checksum does not match');
    if (outFd !== null) fsyncSync(outFd);
    return header;
  } catch (error) {
    if (outFd !== null) {
      closeSync(outFd);
      outFd = null;
    }
    if (outFile !== null) rmSync(outFile, { force: true });
    throw error instanceof AppError ? error : invalid('The backup cannot be read', error);
  } finally {
    closeSync(fd);
    if (outFd !== null) closeSync(outFd);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
