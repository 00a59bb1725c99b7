import { existsSync, readFileSync } from 'node:fs';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { decodeKeySet, encodeKeySet, secretCopy, zeroKeySet, type KeySet } from './vault.keyset';
import { writeFileAtomic } from './vault.files';

/**
 * The recovery code: 28 random Crockford base32 symbols (140 bits) plus 4 check symbols, shown as eight
 * groups of four (`7K3M-…`). Crockford's alphabet has no I, L, O or U, and reading ignores case, spaces
 * and hyphens and maps O→0, I/L→1, so what a person types from paper is what was shown. The check
 * symbols tell a typo ("check the groups") from a wrong code without any key material.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_SYMBOLS = 28;
const CHECK_SYMBOLS = 4;
export const RECOVERY_CODE_BITS = RANDOM_SYMBOLS * 5;

export function generateRecoveryCode(): string {
  const bytes = randomBytes(RANDOM_SYMBOLS);
  // 256 is a multiple of 32: taking the low five bits of a uniform byte is uniform.
  const body = Array.from(bytes, (b) => ALPHABET[b & 31]).join('');
  bytes.fill(0);
  return formatCode(body + checkSymbols(body));
}

function formatCode(symbols: string): string {
  return symbols.match(/.{4}/g)!.join('-');
}

function checkSymbols(body: string): string {
  const digest = sha256(utf8ToBytes(`fieldvault-recovery-check|${body}`));
  let out = '';
  for (let i = 0; i < CHECK_SYMBOLS; i++) out += ALPHABET[digest[i]! & 31];
  return out;
}

/** The canonical symbols of a typed code, or `RECOVERY_CODE_INVALID` when it cannot be one. */
export function normaliseRecoveryCode(typed: string): string {
  const symbols = typed
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (symbols.length !== RANDOM_SYMBOLS + CHECK_SYMBOLS || ![...symbols].every((c) => ALPHABET.includes(c))) {
    throw new AppError(
      'RECOVERY_CODE_INVALID',
      `A recovery code has ${RANDOM_SYMBOLS + CHECK_SYMBOLS} letters and digits in groups of four: check what you typed`,
    );
  }
  const body = symbols.slice(0, RANDOM_SYMBOLS);
  if (checkSymbols(body) !== symbols.slice(RANDOM_SYMBOLS)) {
    throw new AppError(
      'RECOVERY_CODE_INVALID',
      'This recovery code has a typo: compare each group with the printed code',
    );
  }
  return symbols;
}

/**
 * scrypt parameters. N=2^17, r=8, p=1 (128 MiB, about 0.8 s in @noble/hashes here) is OWASP's
 * recommended minimum for scrypt. The code already carries 140 random bits, so the KDF is defence in
 * depth against a weak future code format, not what makes guessing infeasible; the cost is paid only at
 * set-up and recovery (a rekey re-wraps with the stored wrapping key). The parameters are stored in the
 * wrap, so they can be raised later without breaking old vaults.
 */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
export const RECOVERY_KDF: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** Bounds on parameters read from disk, so a tampered file cannot make recovery hang or run out of memory. */
function checkParams(p: ScryptParams): void {
  const ok =
    Number.isInteger(p.N) &&
    p.N >= 2 ** 10 &&
    p.N <= 2 ** 20 &&
    (p.N & (p.N - 1)) === 0 &&
    p.r >= 1 &&
    p.r <= 16 &&
    p.p >= 1 &&
    p.p <= 4;
  if (!ok) throw new AppError('RECOVERY_CODE_INVALID', 'The recovery file of this vault is damaged');
}

/** The recovery wrap as stored beside the database (`recovery.json`). */
interface RecoveryFile {
  format: 1;
  vaultId: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  nonce: string;
  ciphertext: string;
}

/**
 * Derives the wrapping key from a code (canonical symbols) and the stored salt. Async: the KDF yields to
 * the event loop every few milliseconds, so the app's main process stays responsive while it runs.
 */
export async function deriveKek(
  symbols: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const password = utf8ToBytes(symbols);
  let derived: Uint8Array | null = null;
  try {
    derived = await scryptAsync(password, salt, {
      N: params.N,
      r: params.r,
      p: params.p,
      dkLen: 32,
      maxmem: 2 ** 31,
    });
    // Off the JS heap, where zeroing reaches it (see secretBytes).
    return secretCopy(derived);
  } finally {
    derived?.fill(0);
    password.fill(0);
  }
}

function associatedData(vaultId: string, kdf: RecoveryFile['kdf']): Uint8Array {
  return utf8ToBytes(`fieldvault/recovery/v1|${vaultId}|${kdf.name}|${kdf.N}|${kdf.r}|${kdf.p}|${kdf.salt}`);
}

/** A fresh salt and wrapping key for a new code. */
export async function newKek(
  code: string,
  params: ScryptParams,
): Promise<{ kek: Uint8Array; salt: Uint8Array }> {
  const salt = randomBytes(16);
  return { kek: await deriveKek(normaliseRecoveryCode(code), salt, params), salt };
}

/**
 * Writes the recovery wrap: the vault keys (not the wrapping key) encrypted with XChaCha20-Poly1305 under
 * `kek`, bound to the vault id and KDF parameters as associated data. Atomic.
 */
export function writeRecoveryFile(
  file: string,
  vaultId: string,
  set: KeySet,
  kek: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): void {
  const kdf = { name: 'scrypt' as const, ...params, salt: Buffer.from(salt).toString('base64') };
  const nonce = randomBytes(24);
  const plain = encodeKeySet({ keys: set.keys, kek: null });
  const ciphertext = xchacha20poly1305(kek, nonce, associatedData(vaultId, kdf)).encrypt(plain);
  plain.fill(0);
  const body: RecoveryFile = {
    format: 1,
    vaultId,
    kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
    nonce: Buffer.from(nonce).toString('base64'),
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  writeFileAtomic(file, JSON.stringify(body) + '\n');
}

/** True when `kek` opens the wrap in `file` (used to settle an interrupted renewal of the code). */
export function kekOpens(file: string, vaultId: string, kek: Uint8Array): boolean {
  try {
    const f = readRecoveryFile(file);
    if (f.vaultId !== vaultId) return false;
    const plain = xchacha20poly1305(
      kek,
      new Uint8Array(Buffer.from(f.nonce, 'base64')),
      associatedData(vaultId, f.kdf),
    ).decrypt(new Uint8Array(Buffer.from(f.ciphertext, 'base64')));
    plain.fill(0);
    return true;
  } catch {
    return false;
  }
}

/** The salt and parameters of the stored wrap (to re-wrap under the same code). */
export function readRecoverySalt(file: string): { salt: Uint8Array; params: ScryptParams } {
  const f = readRecoveryFile(file);
  return { salt: new Uint8Array(Buffer.from(f.kdf.salt, 'base64')), params: f.kdf };
}

function readRecoveryFile(file: string): RecoveryFile {
  if (!existsSync(file)) {
    throw new AppError('RECOVERY_CODE_INVALID', 'This vault has no recovery file: restore a backup instead');
  }
  let parsed: RecoveryFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as RecoveryFile;
  } catch (error) {
    throw new AppError('RECOVERY_CODE_INVALID', 'The recovery file of this vault is damaged', {
      cause: error,
    });
  }
  if (parsed.format !== 1 || parsed.kdf?.name !== 'scrypt' || typeof parsed.kdf.salt !== 'string') {
    throw new AppError('RECOVERY_CODE_INVALID', 'The recovery file of this vault is damaged');
  }
  checkParams(parsed.kdf);
  return parsed;
}

/**
 * Opens the wrap with a typed code. Returns the key set (with the wrapping key, ready for the keychain).
 * `RECOVERY_CODE_INVALID` for a code that does not open it.
 */
export async function unwrapWithCode(file: string, vaultId: string, typed: string): Promise<KeySet> {
  const symbols = normaliseRecoveryCode(typed);
  const f = readRecoveryFile(file);
  if (f.vaultId !== vaultId) {
    throw new AppError('RECOVERY_CODE_INVALID', 'The recovery file belongs to another vault');
  }
  const kek = await deriveKek(symbols, new Uint8Array(Buffer.from(f.kdf.salt, 'base64')), f.kdf);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(
      kek,
      new Uint8Array(Buffer.from(f.nonce, 'base64')),
      associatedData(vaultId, f.kdf),
    ).decrypt(new Uint8Array(Buffer.from(f.ciphertext, 'base64')));
  } catch (error) {
    kek.fill(0);
    throw new AppError('RECOVERY_CODE_INVALID', 'This recovery code does not open this vault', {
      cause: error,
    });
  }
  try {
    const keys = decodeKeySet(plain);
    return { keys: keys.keys, kek };
  } catch (error) {
    kek.fill(0);
    throw new AppError('RECOVERY_CODE_INVALID', 'The recovery file of this vault is damaged', {
      cause: error,
    });
  } finally {
    plain.fill(0);
  }
}

/** Delay before the next attempt after `failures` wrong codes: 1 s, 2 s, 4 s, … capped at 5 minutes. */
export function recoveryDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(1000 * 2 ** (failures - 1), 5 * 60_000);
}

/** Wrong-code attempts, persisted so restarting the app does not reset the delay. */
export class RecoveryThrottle {
  constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  private read(): { failures: number; last: number } {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as { failures?: unknown; last?: unknown };
      return {
        failures: typeof v.failures === 'number' ? v.failures : 0,
        last: typeof v.last === 'number' ? v.last : 0,
      };
    } catch {
      return { failures: 0, last: 0 };
    }
  }

  /** Throws `RATE_LIMITED` while the delay after the last wrong code has not passed. */
  check(): void {
    const { failures, last } = this.read();
    const wait = last + recoveryDelayMs(failures) - this.now();
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `Too many wrong recovery codes: wait ${Math.ceil(wait / 1000)} s before the next attempt`,
      );
    }
  }

  /** Records a wrong code; returns the delay before the next attempt. */
  fail(): number {
    const failures = this.read().failures + 1;
    writeFileAtomic(this.file, JSON.stringify({ failures, last: this.now() }));
    return recoveryDelayMs(failures);
  }

  reset(): void {
    writeFileAtomic(this.file, JSON.stringify({ failures: 0, last: 0 }));
  }
}

export { zeroKeySet };
