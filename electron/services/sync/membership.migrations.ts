import type { Db } from '../db/database';
import type { MigrationSet } from '../db/migrate';

/**
 * v1: the workspace's signed membership log as this device verified it (entry by entry, the exact
 * signed JSON), and the genesis hash it pinned when it created or joined the workspace.
 */
function v1(db: Db): void {
  db.exec(`
CREATE TABLE membership_log (
  seq INTEGER PRIMARY KEY,
  entry TEXT NOT NULL
) STRICT;

CREATE TABLE membership_pin (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  workspace_id TEXT NOT NULL,
  genesis_hash TEXT NOT NULL
) STRICT;
`);
}

/** Schema of the membership domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const membershipMigrations: MigrationSet = {
  domain: 'membership',
  migrations: [{ version: 1, name: 'membership: verified log and pinned genesis', up: v1 }],
};
