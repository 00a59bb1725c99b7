import { AppError } from '../../../shared/errors';
import type { Keychain } from '../keychain/keychain';
import {
  cloneKeySet,
  decodeKeySet,
  encodeKeySet,
  keyIdHex,
  type KeySet,
  type VaultKey,
} from './vault.keyset';
import type { VaultLayout } from './vault.layout';
import { readRecoverySalt, writeRecoveryFile } from './vault.recovery';

/** Where the key set lives outside the database: the OS keychain entry and the recovery wrap. */
export class VaultKeystore {
  constructor(
    private readonly keychain: Keychain,
    private readonly layout: VaultLayout,
  ) {}

  async load(vaultId: string): Promise<KeySet> {
    const raw = await this.keychain.get(vaultId);
    if (!raw) {
      throw new AppError(
        'KEY_MISSING',
        "This vault's key is not in the OS keychain (new install or deleted entry): enter your recovery code",
      );
    }
    try {
      return decodeKeySet(raw);
    } finally {
      raw.fill(0);
    }
  }

  async store(vaultId: string, set: KeySet): Promise<void> {
    const bytes = encodeKeySet(set);
    try {
      await this.keychain.set(vaultId, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  delete(vaultId: string): Promise<boolean> {
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
}

export function sameKeys(a: KeySet, b: KeySet): boolean {
  return a.keys.length === b.keys.length && a.keys.every((k, i) => keyIdHex(k) === keyIdHex(b.keys[i]!));
}
