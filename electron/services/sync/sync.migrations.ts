import type { MigrationSet } from '../db/migrate';

/** Schema of the sync domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const syncMigrations: MigrationSet = { domain: 'sync', migrations: [] };
