import type { Db } from '../db/database';
import type { MigrationSet } from '../db/migrate';
import { withSecureDelete } from '../db/secure-delete';

/**
 * v1: the workspace this vault syncs with, its keys, the pull cursor, the outbox of sealed deltas
 * awaiting the server's acknowledgement, and what sync set aside: rejected deltas, quarantined ops,
 * conflicts worth a human. Every secret is a BLOB inside the encrypted vault database.
 */
function v1(db: Db): void {
  db.exec(`
CREATE TABLE sync_workspace (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  workspace_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  server_url TEXT NOT NULL,
  name TEXT,
  cursor INTEGER NOT NULL DEFAULT 0,
  last_sync_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

-- kind: 'sign' (Ed25519), 'box' (X25519), 'workspace' (one row per key id).
CREATE TABLE sync_keys (
  kind TEXT NOT NULL,
  key_id INTEGER NOT NULL,
  secret BLOB NOT NULL,
  public BLOB,
  PRIMARY KEY (kind, key_id)
) STRICT;

-- Sealed deltas with their client-chosen ids: pushed again with the same id and bytes until the
-- server acknowledges them, so a retry after a crash or a lost response is idempotent.
CREATE TABLE sync_outbox (
  delta_id TEXT PRIMARY KEY,
  envelope BLOB NOT NULL,
  seqs TEXT NOT NULL,
  ops INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_rejected (
  delta_id TEXT NOT NULL,
  seq INTEGER NOT NULL PRIMARY KEY,
  device_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;

-- Ops held back (clock too far ahead of the server's receive time, or malformed). Deterministic
-- given the log, so every replica holds back the same ops and still converges.
CREATE TABLE sync_quarantine (
  op_id TEXT NOT NULL,
  delta_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL,
  fields TEXT,
  hlc TEXT NOT NULL,
  device_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (record_id, hlc)
) STRICT;

CREATE TABLE sync_conflicts (
  conflict_id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  current_value TEXT,
  current_hlc TEXT NOT NULL,
  current_device TEXT NOT NULL,
  other_value TEXT,
  other_hlc TEXT NOT NULL,
  other_device TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  resolved_at INTEGER
) STRICT;
CREATE INDEX sync_conflicts_open ON sync_conflicts (detected_at) WHERE resolved_at IS NULL;
`);
}

/**
 * v2: where each local op landed in the server's log (op-log seq range -> server seq of its delta),
 * so a remote op sealed before its device pulled our pushed op is known to be concurrent with it.
 */
function v2(db: Db): void {
  db.exec(`
CREATE TABLE sync_pushed (
  server_seq INTEGER PRIMARY KEY,
  min_op_seq INTEGER NOT NULL,
  max_op_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_pushed_max ON sync_pushed (max_op_seq);
`);
}

/**
 * v3: delta chains (issue 11). `sync_own_deltas` holds every delta this device sealed, numbered
 * (dseq) and chained by digest, with its envelope, so one the server dropped or lost in a rollback
 * is pushed again unchanged. `sync_chain_seen` is what this vault has seen of every author's chain
 * (a null digest never happens for a delivered delta). `sync_integrity` keeps what was found wrong.
 */
function v3(db: Db): void {
  db.exec(`
CREATE TABLE sync_own_deltas (
  dseq INTEGER PRIMARY KEY,
  delta_id TEXT NOT NULL UNIQUE,
  digest BLOB NOT NULL,
  envelope BLOB NOT NULL,
  server_seq INTEGER,
  delivered INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sync_own_deltas_server ON sync_own_deltas (server_seq) WHERE delivered = 0;

CREATE TABLE sync_chain_seen (
  device_id TEXT NOT NULL,
  dseq INTEGER NOT NULL,
  digest BLOB NOT NULL,
  prev BLOB,
  PRIMARY KEY (device_id, dseq)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_integrity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rollback_at INTEGER,
  gap_at INTEGER,
  forks INTEGER NOT NULL DEFAULT 0,
  reordered INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO sync_integrity (id) VALUES (1);
`);
}

/**
 * Own deltas sealed again in a later delta (delivered 3) no longer keep their envelope: they are
 * never pushed again, and no compaction reached them (they never got a server seq), so they kept
 * what a later erasure removed, openable with the old epoch key this vault still holds.
 */
function v4(db: Db): void {
  withSecureDelete(db, () => db.exec(`UPDATE sync_own_deltas SET envelope = X'' WHERE delivered = 3`));
}

/**
 * Held-back ops keep no values: nothing ever applies them, and they kept what an erasure removed
 * (the erasure scrubs only the op log). The column stays, NULL, for the shipped schema.
 */
function v5(db: Db): void {
  withSecureDelete(db, () => db.exec(`UPDATE sync_quarantine SET fields = NULL`));
}

/** Schema of the sync domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const syncMigrations: MigrationSet = {
  domain: 'sync',
  migrations: [
    { version: 1, name: 'sync: workspace, keys, outbox, rejected, quarantine, conflicts', up: v1 },
    { version: 2, name: 'sync: server position of pushed ops', up: v2 },
    { version: 3, name: 'sync: delta chains and integrity', up: v3 },
    { version: 4, name: 'sync: replaced own deltas drop their envelopes', up: v4 },
    { version: 5, name: 'sync: held-back ops drop their values', up: v5 },
  ],
};
