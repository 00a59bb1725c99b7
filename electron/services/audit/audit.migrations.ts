import type { Db } from '../db/database';
import type { MigrationSet } from '../db/migrate';

/**
 * v1: the security log. `entry` is the canonical JSON the hash covers; `seq`, `time`, `type` and
 * `outcome` repeat it for filtering (verification checks they agree). `mac` is keyed by the audit
 * secret in the keychain. Checkpoints sign (seq, head hash) with the vault's audit key.
 */
function v1(db: Db): void {
  db.exec(`
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  entry TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  mac BLOB NOT NULL
) STRICT;
CREATE INDEX audit_events_type ON audit_events (type, seq);
CREATE INDEX audit_events_time ON audit_events (time);

CREATE TABLE audit_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  head BLOB NOT NULL,
  signature BLOB NOT NULL,
  time INTEGER NOT NULL
) STRICT;
`);
}

/** Schema of the audit domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const auditMigrations: MigrationSet = {
  domain: 'audit',
  migrations: [{ version: 1, name: 'audit: hash-chained events and signed checkpoints', up: v1 }],
};
