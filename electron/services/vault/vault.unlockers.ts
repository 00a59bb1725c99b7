import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import type { UnlockerInfo } from '../../../shared/ipc/channels/vault.channels';
import { fromBase64Url, toBase64Url } from '../../../shared/sync/encoding';
import { openSealed, parseEscrowPublicKey, sealTo, type SealedBox } from './vault.escrow';
import { fsyncDir, writeFileAtomic } from './vault.files';
import { secretCopy } from './vault.keyset';
import type { VaultLayout } from './vault.layout';

/**
 * argon2id parameters for PIN/passphrase wraps: m = 64 MiB, t = 3, p = 1 (RFC 9106's second
 * recommended option with one lane, since @noble/hashes runs on one thread): about 0.9 s here per
 * try. The attempt limit below is what stops guessing through the app; the KDF is what an attacker
 * who copied the vault directory must pay per guess. The parameters are stored in each wrap, so they
 * can be raised without breaking existing PINs; tests pass lower ones.
 */
export interface PinKdf {
  readonly m: number;
  readonly t: number;
  readonly p: number;
}
export const PIN_KDF: PinKdf = { m: 64 * 1024, t: 3, p: 1 };

/** Consecutive wrong PINs after which the PIN wrap is destroyed (the vault then needs another unlocker). */
export const PIN_MAX_FAILURES = 5;

/** The unlockers beside the keychain's: files under `vault/unlockers/`, never in the database. */
export type WrapKind = 'pin' | 'escrow';

interface UnlockerRecord {
  format: 1;
  kind: WrapKind;
  vaultId: string;
  createdAt: string;
  /** Which unlock key this wraps (a one-way id): a wrap of an older unlock key is stale. */
  unlockKeyId: string;
  nonce: string;
  ciphertext: string;
  kdf?: { name: 'argon2id'; m: number; t: number; p: number; salt: string };
  /** Escrow: the organisation's public key and this box's one-time key (base64url). */
  recipient?: string;
  ephemeral?: string;
}

interface Attempts {
  failures: number;
  lockedOut: boolean;
}

/** A one-way id of an unlock key (names it in wraps; reveals nothing of it). */
export function unlockKeyId(unlockKey: Uint8Array): string {
  const digest = sha256(new Uint8Array([...utf8ToBytes('fieldvault/unlock-key-id/v1|'), ...unlockKey]));
  return bytesToHex(digest.subarray(0, 16));
}

/** Associated data: each wrap is bound to its vault, its kind, its purpose and its parameters. */
function recordAd(r: Pick<UnlockerRecord, 'kind' | 'vaultId' | 'kdf' | 'recipient'>): Uint8Array {
  const kdf = r.kdf ? `${r.kdf.name}|${r.kdf.m}|${r.kdf.t}|${r.kdf.p}|${r.kdf.salt}` : '';
  return utf8ToBytes(
    `fieldvault/unlocker/v1|${r.kind}|${r.vaultId}|vault-unlock-key|${kdf}|${r.recipient ?? ''}`,
  );
}

/** Bounds on parameters read from disk, so a tampered file cannot make an unlock hang or run out of memory. */
function checkKdf(k: UnlockerRecord['kdf']): asserts k is NonNullable<UnlockerRecord['kdf']> {
  const ok =
    k !== undefined &&
    k.name === 'argon2id' &&
    Number.isInteger(k.m) &&
    k.m >= 8 &&
    k.m <= 1024 * 1024 &&
    Number.isInteger(k.t) &&
    k.t >= 1 &&
    k.t <= 10 &&
    Number.isInteger(k.p) &&
    k.p >= 1 &&
    k.p <= 4 &&
    typeof k.salt === 'string';
  if (!ok)
    throw new AppError('CORRUPT_STORE', 'The PIN file of this vault is damaged: remove it and set a new PIN');
}

async function derivePinKey(pin: string, salt: Uint8Array, kdf: PinKdf): Promise<Uint8Array> {
  const password = utf8ToBytes(pin.normalize('NFC'));
  let derived: Uint8Array | null = null;
  try {
    derived = await argon2idAsync(password, salt, { m: kdf.m, t: kdf.t, p: kdf.p, dkLen: 32 });
    return secretCopy(derived);
  } finally {
    derived?.fill(0);
    password.fill(0);
  }
}

/**
 * The PIN and escrow unlockers: each wraps the vault's *unlock key* (the one the OS keychain holds,
 * which opens `keychain.wrap`, the key set), so a rekey or a new recovery code rewrites only the key
 * set's wrap and every unlocker keeps working. Adding or removing one writes only its own file.
 */
export class UnlockerStore {
  constructor(
    private readonly layout: VaultLayout,
    private readonly now: () => number,
  ) {}

  get dir(): string {
    return path.join(this.layout.dir, 'unlockers');
  }
  private file(kind: WrapKind): string {
    return path.join(this.dir, `${kind}.json`);
  }
  private get attemptsFile(): string {
    return path.join(this.layout.dir, 'pin-attempts.json');
  }

  /** The stored wrap of `kind` for `vaultId`, or null (none, or another vault's file). */
  read(kind: WrapKind, vaultId: string): UnlockerRecord | null {
    const file = this.file(kind);
    if (!existsSync(file)) return null;
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as UnlockerRecord;
      if (r.format === 1 && r.kind === kind && r.vaultId === vaultId && typeof r.ciphertext === 'string')
        return r;
    } catch {
      // a damaged wrap opens nothing; it is replaced or removed like a missing one
    }
    return null;
  }

  /** Deletes the wrap of `kind`; true when one existed. */
  remove(kind: WrapKind): boolean {
    const file = this.file(kind);
    if (!existsSync(file)) return false;
    rmSync(file, { force: true });
    fsyncDir(this.dir);
    return true;
  }

  private write(record: UnlockerRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file(record.kind), JSON.stringify(record) + '\n');
  }

  /** Wraps `unlockKey` under a key argon2id derives from `pin`; resets the attempt counter. */
  async setPin(vaultId: string, unlockKey: Uint8Array, pin: string, kdf: PinKdf): Promise<void> {
    const salt = randomBytes(16);
    const key = await derivePinKey(pin, salt, kdf);
    try {
      const base = {
        format: 1 as const,
        kind: 'pin' as const,
        vaultId,
        createdAt: new Date(this.now()).toISOString(),
        unlockKeyId: unlockKeyId(unlockKey),
        kdf: { name: 'argon2id' as const, ...kdf, salt: toBase64Url(salt) },
      };
      const nonce = randomBytes(24);
      const ciphertext = xchacha20poly1305(key, nonce, recordAd(base)).encrypt(unlockKey);
      this.write({ ...base, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext) });
      this.writeAttempts({ failures: 0, lockedOut: false });
    } finally {
      key.fill(0);
    }
  }

  /** Removes the PIN and its attempt record. */
  removePin(): boolean {
    const existed = this.remove('pin');
    rmSync(this.attemptsFile, { force: true });
    return existed;
  }

  /**
   * The unlock key from a typed PIN. The try is counted (on disk) before the KDF runs, so killing
   * the app mid-check never earns a free guess; the count survives restarts and resets on success.
   * The fifth wrong PIN in a row destroys the PIN wrap: `PIN_LOCKED_OUT` until the vault is opened
   * another way and a new PIN is set.
   */
  async openPin(vaultId: string, pin: string): Promise<Uint8Array> {
    const attempts = this.attempts();
    if (attempts.lockedOut) {
      throw new AppError(
        'PIN_LOCKED_OUT',
        'Too many wrong PINs: unlock with the OS keychain or your recovery code, then set a new PIN',
      );
    }
    const record = this.read('pin', vaultId);
    if (!record) throw new AppError('UNLOCKER_NOT_SET', 'This vault has no PIN');
    checkKdf(record.kdf);
    const failures = attempts.failures + 1;
    this.writeAttempts({ failures, lockedOut: false });
    const key = await derivePinKey(pin, fromBase64Url(record.kdf.salt), record.kdf);
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, fromBase64Url(record.nonce), recordAd(record)).decrypt(
        fromBase64Url(record.ciphertext),
      );
    } catch (cause) {
      if (failures >= PIN_MAX_FAILURES) {
        this.remove('pin');
        this.writeAttempts({ failures, lockedOut: true });
        throw new AppError(
          'PIN_LOCKED_OUT',
          `${PIN_MAX_FAILURES} wrong PINs in a row: the PIN was removed. Unlock with the OS keychain or your recovery code, then set a new PIN`,
          { cause },
        );
      }
      const left = PIN_MAX_FAILURES - failures;
      throw new AppError('PIN_INVALID', `Wrong PIN: ${left} ${left === 1 ? 'try' : 'tries'} left`, { cause });
    } finally {
      key.fill(0);
    }
    this.writeAttempts({ failures: 0, lockedOut: false });
    const unlockKey = secretCopy(plain);
    plain.fill(0);
    return unlockKey;
  }

  /** Seals `unlockKey` to the organisation's escrow public key (base64url, from policy). */
  setEscrow(vaultId: string, unlockKey: Uint8Array, recipient: string): void {
    const base = {
      format: 1 as const,
      kind: 'escrow' as const,
      vaultId,
      createdAt: new Date(this.now()).toISOString(),
      unlockKeyId: unlockKeyId(unlockKey),
      recipient,
    };
    const box = sealTo(parseEscrowPublicKey(recipient), unlockKey, recordAd(base));
    this.write({ ...base, ...box });
  }

  /** The unlock key from the organisation's escrow private key (the recovery CLI). */
  openEscrow(vaultId: string, secret: Uint8Array): Uint8Array {
    const record = this.read('escrow', vaultId);
    if (!record?.ephemeral) throw new AppError('UNLOCKER_NOT_SET', 'This vault has no escrow wrap');
    const box: SealedBox = {
      ephemeral: record.ephemeral,
      nonce: record.nonce,
      ciphertext: record.ciphertext,
    };
    return openSealed(secret, box, recordAd(record));
  }

  /** Consecutive wrong PINs so far, and whether they destroyed the PIN. */
  attempts(): Attempts {
    if (!existsSync(this.attemptsFile)) return { failures: 0, lockedOut: false };
    try {
      const v = JSON.parse(readFileSync(this.attemptsFile, 'utf8')) as Partial<Attempts>;
      if (typeof v.failures === 'number' && Number.isInteger(v.failures) && v.failures >= 0) {
        return { failures: v.failures, lockedOut: v.lockedOut === true };
      }
    } catch {
      // handled below
    }
    // A record that cannot be read counts as one try left, never as a reset.
    return { failures: PIN_MAX_FAILURES - 1, lockedOut: false };
  }

  private writeAttempts(a: Attempts): void {
    writeFileAtomic(this.attemptsFile, JSON.stringify(a) + '\n');
  }

  /** Every unlocker of the vault: kind and when it was written; never a secret. */
  list(vaultId: string): UnlockerInfo[] {
    const out: UnlockerInfo[] = [];
    const written = (file: string) => (existsSync(file) ? statSync(file).mtime.toISOString() : null);
    const keychain = written(path.join(this.layout.dir, 'keychain.wrap'));
    if (keychain) out.push({ kind: 'keychain', createdAt: keychain, managed: false });
    const recovery = written(this.layout.recoveryFile);
    if (recovery) out.push({ kind: 'recovery-code', createdAt: recovery, managed: false });
    const pin = this.read('pin', vaultId);
    if (pin) out.push({ kind: 'pin', createdAt: pin.createdAt, managed: false });
    const escrow = this.read('escrow', vaultId);
    if (escrow) out.push({ kind: 'escrow', createdAt: escrow.createdAt, managed: true });
    return out;
  }
}
