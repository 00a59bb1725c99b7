import { closeSync, fstatSync, fsyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { mapFsError } from './vault.files';
import { keyIdHex, type VaultKey } from './vault.keyset';

/**
 * The backup file (`<id>.fvbackup`): one file, encrypted and checksummed.
 *
 *   "FVBACKUP" | version (1 byte) | header length (u32 BE) | header JSON | database | HMAC-SHA256 (32)
 *
 * The database is a `VACUUM INTO` snapshot of the live store: already encrypted page by page with the
 * vault key (AEGIS-256, authenticated). The header names the vault, the key (by id) and the SHA-256 of the
 * database bytes; the trailing HMAC, under a key derived from the vault key and vault id, covers
 * everything before it. So a damaged, truncated or foreign backup is refused before anything is touched.
 * The header holds ids, a time and a size: nothing about the customer data.
 */
const MAGIC = utf8ToBytes('FVBACKUP');
const VERSION = 1;
const MAC_BYTES = 32;
const MAX_HEADER = 4096;
const CHUNK = 1 << 20;

export interface BackupHeader {
  readonly vaultId: string;
  readonly keyId: string;
  readonly createdAt: string;
  readonly dbBytes: number;
  readonly sha256: string;
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
  meta: { vaultId: string; key: VaultKey; createdAt: string },
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
      typeof header.sha256 === 'string';
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
 * the database it holds to `outFile`. Nothing outside `outFile` is written; on failure `outFile` is
 * removed. The caller still opens the copy and runs `integrity_check` before using it.
 */
export function extractBackup(
  file: string,
  outFile: string,
  expect: { vaultId: string; keyFor: (keyId: string) => VaultKey | undefined },
): BackupHeader {
  const { header, dataOffset, size } = readBackupHeader(file);
  if (header.vaultId !== expect.vaultId) throw invalid('This backup belongs to another vault');
  const key = expect.keyFor(header.keyId);
  if (!key) throw invalid('This backup was made with a key this vault no longer holds');
  const fd = openSync(file, 'r');
  let outFd: number | null = null;
  try {
    const mk = macKey(key, header.vaultId);
    const mac = hmac.create(sha256, mk);
    mk.fill(0);
    const digest = sha256.create();
    mac.update(readAt(fd, dataOffset, 0));
    outFd = openSync(outFile, 'w', 0o600);
    const end = dataOffset + header.dbBytes;
    for (let pos = dataOffset; pos < end; pos += CHUNK) {
      const chunk = readAt(fd, Math.min(CHUNK, end - pos), pos);
      mac.update(chunk);
      digest.update(chunk);
      writeAll(outFd, chunk);
    }
    const stored = readAt(fd, MAC_BYTES, end);
    const computed = mac.digest();
    if (stored.length !== MAC_BYTES || size !== end + MAC_BYTES || !equal(stored, computed)) {
      throw invalid('The backup is damaged or was not made by this vault');
    }
    if (Buffer.from(digest.digest()).toString('hex') !== header.sha256)
      throw invalid('The backup checksum does not match');
    fsyncSync(outFd);
    return header;
  } catch (error) {
    if (outFd !== null) {
      closeSync(outFd);
      outFd = null;
    }
    rmSync(outFile, { force: true });
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
