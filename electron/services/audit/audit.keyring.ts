import { AppError } from '../../../shared/errors';
import type { Keychain } from '../keychain/keychain';
import type { AuditAnchor } from './audit.chain';

/** Keychain entry format 1: `1 | audit secret (32) | key-from seq (8) | anchor seq (8) | anchor head (32)`. */
const FORMAT = 1;
const SECRET_BYTES = 32;
const ENTRY_BYTES = 1 + SECRET_BYTES + 8 + 8 + 32;

/** What the keychain holds for the audit log, outside the database the vault key opens. */
export interface AuditKeyEntry {
  /** Secret the MAC and checkpoint keys derive from; zero it after use. */
  readonly secret: Uint8Array;
  /** The first sequence recorded under this secret. */
  readonly keyFromSeq: number;
  /** The last checkpoint (seq 0: none yet). */
  readonly anchor: AuditAnchor;
}

function account(vaultId: string): string {
  return `${vaultId}.audit`;
}

/** Outside the heap, so zeroing really removes it (see `secretBytes` in the vault). */
function secretBuffer(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

export function encodeEntry(entry: AuditKeyEntry): Uint8Array {
  const out = secretBuffer(ENTRY_BYTES);
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  out.set(entry.secret, 1);
  view.setBigUint64(1 + SECRET_BYTES, BigInt(entry.keyFromSeq));
  view.setBigUint64(1 + SECRET_BYTES + 8, BigInt(entry.anchor.seq));
  out.set(entry.anchor.head, 1 + SECRET_BYTES + 16);
  return out;
}

export function decodeEntry(bytes: Uint8Array): AuditKeyEntry {
  if (bytes.length !== ENTRY_BYTES || bytes[0] !== FORMAT) {
    throw new AppError('WRONG_KEY', "The keychain's audit entry of this vault is not a FieldVault entry");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const secret = secretBuffer(SECRET_BYTES);
  secret.set(bytes.subarray(1, 1 + SECRET_BYTES));
  return {
    secret,
    keyFromSeq: Number(view.getBigUint64(1 + SECRET_BYTES)),
    anchor: {
      seq: Number(view.getBigUint64(1 + SECRET_BYTES + 8)),
      head: bytes.slice(1 + SECRET_BYTES + 16),
    },
  };
}

/** Reads and writes the audit entry; writes are serialised so the newest anchor always lands last. */
export class AuditKeyring {
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly keychain: Keychain) {}

  async load(vaultId: string): Promise<AuditKeyEntry | null> {
    await this.settled();
    const raw = await this.keychain.get(account(vaultId));
    if (!raw) return null;
    try {
      return decodeEntry(raw);
    } finally {
      raw.fill(0);
    }
  }

  /** New random secret whose log starts at `keyFromSeq`. */
  fresh(keyFromSeq: number, head: Uint8Array): AuditKeyEntry {
    const secret = globalThis.crypto.getRandomValues(secretBuffer(SECRET_BYTES));
    return { secret, keyFromSeq, anchor: { seq: 0, head } };
  }

  /** Queues a write of `entry` (encoded now, so the caller may zero its secret at once). */
  store(vaultId: string, entry: AuditKeyEntry): Promise<void> {
    const bytes = encodeEntry(entry);
    const run = this.writes.then(async () => {
      try {
        await this.keychain.set(account(vaultId), bytes);
      } finally {
        bytes.fill(0);
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Deletes the entry (after any queued write, so a late anchor cannot bring it back). */
  forget(vaultId: string): Promise<void> {
    const run = this.writes.then(async () => {
      await this.keychain.delete(account(vaultId));
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every queued write has finished (or failed). */
  settled(): Promise<void> {
    return this.writes;
  }
}
