import { AppError } from '../../../shared/errors';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import type { VaultKeystore } from './vault.keystore';
import { VaultRepository } from './vault.repository';

/**
 * Rollback detection: each open counts up, inside the database and beside the unlock key in the
 * keychain (database first, so a crash between leaves the database ahead, which is fine). A file
 * whose count is behind the keychain's was copied back from an older state: `VAULT_ROLLED_BACK`,
 * unless a restore or the recovery code says that is intended (`adoptOlder`).
 */
export async function checkRollback(
  keystore: VaultKeystore,
  logger: Logger,
  vaultId: string,
  db: Db,
  adoptOlder: boolean,
): Promise<void> {
  const repo = new VaultRepository(db);
  const inFile = repo.openCounter();
  const inKeychain = await keystore.counter(vaultId);
  if (inKeychain !== null && inFile < inKeychain && !adoptOlder) {
    logger.log('warn', 'vault.rolledBack', { vaultId, inFile, inKeychain });
    throw new AppError(
      'VAULT_ROLLED_BACK',
      'This vault file is older than the one this computer last opened: restore a backup or enter your recovery code',
    );
  }
  const next = Math.max(inFile, inKeychain ?? 0) + 1;
  repo.setOpenCounter(next);
  await keystore.setCounter(vaultId, next);
}
