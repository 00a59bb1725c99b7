import { mkdirSync } from 'node:fs';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { openEncryptedDatabase, STORE_CIPHER, type Db } from '../db/database';
import { migrate, type MigrationSet, type SchemaVersions } from '../db/migrate';
import type { FaultPoint } from './vault.internals';
import { newVaultKey, zeroKeySet, type KeySet } from './vault.keyset';
import type { VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';
import { vaultMigrations } from './vault.migrations';
import { mapVaultError } from './vault.open';
import { generateRecoveryCode, newKek, writeRecoveryFile, type ScryptParams } from './vault.recovery';
import { VaultRepository } from './vault.repository';

/** What creating a vault needs of the service. */
export interface SetupDeps {
  readonly layout: VaultLayout;
  readonly keystore: VaultKeystore;
  readonly now: () => number;
  readonly migrations: readonly MigrationSet[];
  readonly recoveryKdf: ScryptParams;
  fault(point: FaultPoint): void;
}

/** A new vault, open: the caller owns `db` and `set` (and shows `code` once). */
export interface CreatedVault {
  readonly db: Db;
  readonly set: KeySet;
  readonly vaultId: string;
  readonly code: string;
  readonly schema: SchemaVersions;
}

/**
 * Creates the vault: a fresh key in the keychain first (if the keychain is unavailable or locked,
 * nothing has been written), then the recovery wrap, then the migrated database, and the manifest
 * last, so a crash at any step leaves either no vault or one that opens.
 */
export async function createVault(deps: SetupDeps): Promise<CreatedVault> {
  const { layout } = deps;
  if (layout.manifest()) throw new AppError('VAULT_ALREADY_SET_UP', 'The vault is already set up');
  mkdirSync(layout.ownBackupDir, { recursive: true, mode: 0o700 });
  layout.moveAsideOrphans(deps.now());
  const vaultId = Buffer.from(randomBytes(16)).toString('hex');
  const code = generateRecoveryCode();
  const { kek, salt } = await newKek(code, deps.recoveryKdf);
  const key = newVaultKey();
  const set: KeySet = { keys: [key], kek };
  await deps.keystore.store(vaultId, set);
  deps.fault('setup.keychain');
  writeRecoveryFile(layout.recoveryFile, vaultId, set, kek, salt, deps.recoveryKdf);
  deps.fault('setup.recovery');
  let db: Db | null = null;
  try {
    db = openEncryptedDatabase(layout.dbFile, key.key);
    const schema = migrate(db, [vaultMigrations, ...deps.migrations]);
    new VaultRepository(db).setVaultId(vaultId);
    deps.fault('setup.database');
    layout.writeManifest({
      format: 1,
      vaultId,
      cipher: STORE_CIPHER,
      createdAt: new Date(deps.now()).toISOString(),
    });
    return { db, set, vaultId, code, schema };
  } catch (error) {
    db?.close();
    zeroKeySet(set);
    throw mapVaultError(error);
  }
}
