import { AppError } from '../../../shared/errors';
import type { Db } from './database';

/** One schema step. Append-only: never edit or renumber a migration that has shipped. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}

/**
 * The migrations of one domain (vault core, crm, sync, …), numbered 1, 2, 3… within the domain.
 * Domains migrate independently, so each module owns its own sequence and no two modules edit one list.
 */
export interface MigrationSet {
  readonly domain: string;
  readonly migrations: readonly Migration[];
}

/** Schema version per domain. */
export type SchemaVersions = Record<string, number>;

/**
 * Brings the database up to date: each pending migration runs in its own transaction together with the
 * row that records it, so a crash leaves either the old or the new version, never half of one.
 * Refuses a database whose schema is newer than this build knows (a downgrade).
 */
export function migrate(db: Db, sets: readonly MigrationSet[]): SchemaVersions {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (domain, version)
  ) STRICT`);
  const current = db.prepare<[string], { v: number | null }>(
    'SELECT max(version) AS v FROM schema_migrations WHERE domain = ?',
  );
  const record = db.prepare(
    'INSERT INTO schema_migrations (domain, version, name, applied_at) VALUES (?, ?, ?, ?)',
  );
  const versions: SchemaVersions = {};
  for (const set of sets) {
    checkNumbering(set);
    const have = current.get(set.domain)?.v ?? 0;
    const latest = set.migrations.length;
    if (have > latest) {
      throw new AppError(
        'SCHEMA_TOO_NEW',
        `The ${set.domain} schema is newer than this version of FieldVault`,
      );
    }
    for (const migration of set.migrations.slice(have)) {
      db.transaction(() => {
        migration.up(db);
        record.run(set.domain, migration.version, migration.name, new Date().toISOString());
      })();
    }
    versions[set.domain] = latest;
  }
  return versions;
}

/** Reads the applied versions without migrating. */
export function schemaVersions(db: Db): SchemaVersions {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!exists) return {};
  const rows = db
    .prepare<[], { domain: string; v: number }>(
      'SELECT domain, max(version) AS v FROM schema_migrations GROUP BY domain',
    )
    .all();
  return Object.fromEntries(rows.map((r) => [r.domain, r.v]));
}

function checkNumbering(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new AppError('INTERNAL', `Migration ${set.domain}#${m.version} is out of sequence`);
    }
  });
}
