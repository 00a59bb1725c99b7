import type { MigrationSet } from '../db/migrate';

/** Schema of the crm domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const crmMigrations: MigrationSet = { domain: 'crm', migrations: [] };
