import type { MigrationSet } from '../db/migrate';

/**
 * The offline lease's record inside the vault (encrypted, so no one without the vault key can move it):
 * the last server contact (server time) and the highest time ever seen, local or server, so turning
 * the clock back does not give days back.
 */
export const leaseMigrations: MigrationSet = {
  domain: 'lease',
  migrations: [
    {
      version: 1,
      name: 'lease state',
      up(db) {
        db.exec(`CREATE TABLE lease_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          last_contact_ms INTEGER NOT NULL,
          high_water_ms INTEGER NOT NULL
        ) STRICT`);
      },
    },
  ],
};
