import { rmSync } from 'node:fs';
import type { Logger } from '../log/logger';
import * as backups from './vault.backups';
import type { VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';

/**
 * Deletes a locked vault's keychain entry, then its backups in a directory outside the vault (IT's or
 * the user's: they are this vault's too), then every file under the vault directory. The keychain
 * entry goes first so that, even if deleting files is interrupted, what remains cannot be opened
 * without the recovery code. A keychain or backup directory that cannot be reached does not stop the
 * wipe: the files go anyway. `vaultId` is null when the vault was never set up.
 */
export async function wipeVaultFiles(
  deps: { readonly layout: VaultLayout; readonly keystore: VaultKeystore; readonly logger: Logger },
  vaultId: string | null,
): Promise<void> {
  const { layout, logger } = deps;
  if (vaultId) {
    try {
      await deps.keystore.delete(vaultId);
    } catch {
      logger.log('warn', 'vault.wipeKeychainFailed', { vaultId });
    }
  }
  if (vaultId && layout.backupDir !== layout.ownBackupDir) {
    try {
      for (const b of backups.listBackups(layout, null))
        rmSync(layout.backupFile(b.backupId), { force: true });
    } catch {
      logger.log('warn', 'vault.wipeBackupsFailed', { vaultId });
    }
  }
  rmSync(layout.dir, { recursive: true, force: true });
  logger.log('info', 'vault.wiped', { vaultId });
}
