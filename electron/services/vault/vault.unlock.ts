import { existsSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { mapOpenError, type Db } from '../db/database';
import { migrate, type MigrationSet, type SchemaVersions } from '../db/migrate';
import type { Logger } from '../log/logger';
import type { OpenOptions, ReleaseGate } from './vault.internals';
import { zeroKeySet, type KeySet, type VaultKey } from './vault.keyset';
import { sameKeys, type VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';
import { vaultMigrations } from './vault.migrations';
import { openAny } from './vault.open';
import { settleRenewal } from './vault.renew';
import { checkRollback } from './vault.rollback';
import { VaultRepository } from './vault.repository';

/** What opening the vault's database needs of the service. */
export interface OpenDeps {
  readonly layout: VaultLayout;
  readonly keystore: VaultKeystore;
  readonly logger: Logger;
  readonly migrations: readonly MigrationSet[];
  readonly releaseGate?: ReleaseGate | undefined;
}

/**
 * Opens the database with `set` and checks it before anyone sees it: integrity after a crash, the
 * vault id, migrations, the rollback counter, the key set tidied to the key the file uses, then the
 * release gate (the offline lease) when a locked vault is being released. Takes ownership of `set`:
 * on any failure the database is closed and every key zeroed. Returns the open database, the key set
 * now in use and the schema versions.
 */
export async function openChecked(
  deps: OpenDeps,
  vaultId: string,
  set: KeySet,
  options: OpenOptions = {},
): Promise<{ db: Db; keys: KeySet; schema: SchemaVersions }> {
  deps.layout.cleanupLeftovers();
  settleRenewal(deps.layout, vaultId, set);
  const crashed = existsSync(deps.layout.dbFile + '-wal');
  let db: Db;
  let key: VaultKey;
  let schema: SchemaVersions;
  try {
    ({ db, key } = openAny(deps.layout.dbFile, set));
  } catch (error) {
    zeroKeySet(set);
    throw error;
  }
  try {
    const repo = new VaultRepository(db);
    // After a crash, check every page before use. A clean open needs no scan: every page carries a
    // tag, so a damaged page fails as SQLITE_CORRUPT when it is read (a full check of 100k contacts
    // costs ~200 ms, four times the unlock budget), and every backup re-reads all pages.
    if (crashed && !repo.isIntact('full')) {
      throw new AppError('CORRUPT_STORE', 'The vault database is damaged: restore a backup');
    }
    if (repo.vaultId() !== vaultId) {
      throw new AppError('CORRUPT_STORE', 'The vault database belongs to another vault: restore a backup');
    }
    schema = migrate(db, [vaultMigrations, ...deps.migrations]);
  } catch (error) {
    db.close();
    zeroKeySet(set);
    throw mapOpenError(error);
  }
  try {
    await checkRollback(deps.keystore, deps.logger, vaultId, db, options.adoptOlder === true);
  } catch (error) {
    db.close();
    zeroKeySet(set);
    throw error;
  }
  const tidy = deps.keystore.tidy(set, key);
  try {
    if (!sameKeys(tidy, set)) {
      // An interrupted rekey: settle on the key the file actually uses.
      await deps.keystore.store(vaultId, tidy);
      deps.keystore.writeRecovery(vaultId, tidy);
    } else if (await deps.keystore.isLegacy(vaultId)) {
      // An entry from before the keychain unlocker: move the key set out of the keychain's text.
      await deps.keystore.store(vaultId, tidy);
    }
  } catch (error) {
    db.close();
    zeroKeySet(set);
    throw error;
  }
  if (tidy !== set) zeroKeySet(set);
  if (options.release && deps.releaseGate) {
    // Nothing else has seen the database yet: a refusal closes it and zeroes every key.
    try {
      await deps.releaseGate(db, options.release);
    } catch (error) {
      db.close();
      zeroKeySet(tidy);
      deps.keystore.forget();
      throw error;
    }
  }
  return { db, keys: tidy, schema };
}
