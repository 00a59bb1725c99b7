import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Keychain } from '../keychain/keychain';

/** What the revocation wipe needs from the vault service (VaultService satisfies it). */
export interface WipeableVault {
  /** `<dataDir>/vault`: manifest, database (+ WAL/SHM), recovery wrap, backups. */
  readonly dir: string;
  lock(reason: 'revoked'): Promise<unknown>;
}

/**
 * Destroys a vault after its device was revoked: locks it (closing the database, zeroing keys),
 * deletes its keychain entry, then removes every file under the vault directory (database, WAL,
 * recovery wrap, backups). Used while the vault service has no wipe API of its own.
 */
export async function wipeVault(vault: WipeableVault, keychain: Keychain): Promise<void> {
  const manifest = path.join(vault.dir, 'manifest.json');
  let vaultId: string | null = null;
  if (existsSync(manifest)) {
    try {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { vaultId?: unknown };
      if (typeof parsed.vaultId === 'string') vaultId = parsed.vaultId;
    } catch {
      vaultId = null;
    }
  }
  await vault.lock('revoked');
  if (vaultId) await keychain.delete(vaultId);
  rmSync(vault.dir, { recursive: true, force: true });
}
