import type { MigrationSet } from '../db/migrate';

/**
 * Schema of the vault domain. Append-only: add a new numbered migration, never edit a shipped one.
 * `vault_info` holds the vault's own id inside the encrypted file, so a database (or a backup) from
 * another vault is recognised even if someone copies files around.
 */
export const vaultMigrations: MigrationSet = {
  domain: 'vault',
  migrations: [
    {
      version: 1,
      name: 'vault_info',
      up(db) {
        db.exec('CREATE TABLE vault_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
      },
    },
  ],
};
