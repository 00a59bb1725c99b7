import { existsSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { openEncryptedDatabase } from '../db/database';
import type { VaultInternals } from './vault.internals';
import { cloneKeySet, newVaultKey, zeroKeySet, type KeySet } from './vault.keyset';
import { checkCopy, mapVaultError } from './vault.open';
import { renameDurable } from './vault.files';
import { VaultRepository } from './vault.repository';

/**
 * Replaces the vault key. Crash-safe at every step: the keychain and the recovery wrap hold both keys
 * before the file changes, the re-encrypted copy is checked before it replaces anything, and the old
 * key is dropped only after the swap (kept if an existing backup still needs it).
 */
export async function rekeyVault(v: VaultInternals): Promise<void> {
  const { layout, keystore } = v;
  const m = layout.requireManifest();
  const open = v.open();
  if (!open) throw new AppError('VAULT_LOCKED', 'Unlock the vault before changing its key');
  const old = cloneKeySet(open.keys);
  const oldKey = old.keys[0]!;
  const next = newVaultKey();
  // 1. Both keys in the keychain and in the recovery wrap before the file changes.
  const pending: KeySet = { keys: [oldKey, next, ...old.keys.slice(1)], kek: old.kek };
  await keystore.store(m.vaultId, pending);
  v.fault('rekey.keychain-pending');
  keystore.writeRecovery(m.vaultId, pending);
  v.fault('rekey.recovery-pending');
  // 2. A re-encrypted private copy, checked before it replaces anything.
  const tmp = layout.dbFile + '.rekeying';
  layout.removeDbFiles(tmp);
  try {
    new VaultRepository(open.db).snapshotTo(tmp);
    const copy = openEncryptedDatabase(tmp, oldKey.key, { journal: 'delete' });
    try {
      new VaultRepository(copy).rekey(next.key);
    } finally {
      copy.close();
    }
    checkCopy(tmp, next, m.vaultId, next);
  } catch (error) {
    layout.removeDbFiles(tmp);
    throw mapVaultError(error);
  }
  v.fault('rekey.copied');
  // 3. Swap: close (checkpoints and removes the WAL), then rename the copy over the database.
  v.closeDb();
  v.fault('rekey.closed');
  if (existsSync(layout.dbFile + '-wal')) {
    layout.removeDbFiles(tmp);
    v.dropKeys();
    await v.openWith(m.vaultId, pending);
    throw new AppError('INTERNAL', 'The vault is busy: try changing the key again');
  }
  renameDurable(tmp, layout.dbFile);
  v.fault('rekey.swapped');
  // 4. Only now drop the old key (kept if an existing backup still needs it).
  const final = keystore.tidy(pending, next);
  await keystore.store(m.vaultId, final);
  v.fault('rekey.keychain-final');
  keystore.writeRecovery(m.vaultId, final);
  v.fault('rekey.done');
  v.dropKeys();
  await v.openWith(m.vaultId, final);
  if (final !== pending) zeroKeySet(pending);
  zeroKeySet(old);
  v.logger.log('info', 'vault.rekeyed', { vaultId: m.vaultId });
}
