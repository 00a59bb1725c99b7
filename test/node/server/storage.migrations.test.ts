import Database from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  POSTGRES_MIGRATIONS,
  PostgresSyncStorage,
  postgresSchemaVersion,
} from '../../../server/storage/storage.postgres';
import { SCHEMA_VERSION, SchemaTooNewError } from '../../../server/storage/storage.sql';
import {
  SQLITE_MIGRATIONS,
  SqliteSyncStorage,
  sqliteSchemaVersion,
} from '../../../server/storage/storage.sqlite';
import { tempDir } from '../support/tmp';
import { requireCluster, usePostgresCluster } from './backends';

usePostgresCluster();

let databases = 0;
async function withPostgres<T>(fn: (url: string, client: pg.Client) => Promise<T>): Promise<T> {
  const url = await requireCluster().createDatabase(`fv_mig_${process.pid}_${++databases}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(url, client);
  } finally {
    await client.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('server storage migrations', () => {
  it('both dialects render the same numbered migrations, one per schema version', () => {
    expect(SQLITE_MIGRATIONS).toHaveLength(SCHEMA_VERSION);
    expect(POSTGRES_MIGRATIONS).toHaveLength(SCHEMA_VERSION);
  });

  it('SQLite: a new database records the current schema version', async () => {
    const file = path.join(tempDir('fv-mig-'), 'sync.sqlite');
    await SqliteSyncStorage.open(file).close();
    const check = new Database(file);
    expect(sqliteSchemaVersion(check)).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('SQLite: a version-1 database upgrades in place and keeps its data', async () => {
    const file = path.join(tempDir('fv-mig-'), 'sync.sqlite');
    const v1 = new Database(file);
    v1.exec(SQLITE_MIGRATIONS[0]!);
    v1.pragma('user_version = 1');
    v1.prepare('INSERT INTO workspaces (workspace_id, created_at, last_seq) VALUES (?, ?, ?)').run(
      'ws-from-version-1',
      1,
      7,
    );
    v1.close();

    const storage = SqliteSyncStorage.open(file);
    try {
      expect(await storage.latestSeq('ws-from-version-1')).toBe(7);
      expect((await storage.hit('k', 1_000, 5)).count).toBe(1);
    } finally {
      await storage.close();
    }
    const check = new Database(file);
    expect(sqliteSchemaVersion(check)).toBe(SQLITE_MIGRATIONS.length);
    check.close();
    // Opening again at the current version is a no-op.
    await SqliteSyncStorage.open(file).close();
  });

  it('SQLite: a database from a newer server is refused and left untouched', () => {
    const file = path.join(tempDir('fv-mig-'), 'sync.sqlite');
    const newer = new Database(file);
    newer.exec('CREATE TABLE from_the_future (x INTEGER)');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();

    let error: unknown;
    try {
      SqliteSyncStorage.open(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(error).toMatchObject({
      code: 'SCHEMA_TOO_NEW',
      found: SCHEMA_VERSION + 1,
      supported: SCHEMA_VERSION,
    });

    const check = new Database(file);
    expect(sqliteSchemaVersion(check)).toBe(SCHEMA_VERSION + 1);
    const tables = check
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all();
    expect(tables.map((t) => t.name)).toEqual(['from_the_future']);
    check.close();
  });

  it('PostgreSQL: a new database records the current schema version', async () => {
    await withPostgres(async (url, client) => {
      await (await PostgresSyncStorage.connect(url)).close();
      expect(await postgresSchemaVersion(client)).toBe(SCHEMA_VERSION);
    });
  });

  it('PostgreSQL: a version-1 database upgrades in place and keeps its data', async () => {
    await withPostgres(async (url, client) => {
      await client.query('CREATE TABLE fv_schema (version INTEGER NOT NULL)');
      await client.query('INSERT INTO fv_schema (version) VALUES (1)');
      await client.query(POSTGRES_MIGRATIONS[0]!);
      await client.query('INSERT INTO workspaces (workspace_id, created_at, last_seq) VALUES ($1, 1, 7)', [
        'ws-from-version-1',
      ]);
      const storage = await PostgresSyncStorage.connect(url);
      try {
        expect(await storage.latestSeq('ws-from-version-1')).toBe(7);
        expect((await storage.hit('k', 1_000, 5)).count).toBe(1);
      } finally {
        await storage.close();
      }
      expect(await postgresSchemaVersion(client)).toBe(POSTGRES_MIGRATIONS.length);
      await (await PostgresSyncStorage.connect(url)).close();
    });
  });

  it('PostgreSQL: a database from a newer server is refused and left untouched', async () => {
    await withPostgres(async (url, client) => {
      await client.query('CREATE TABLE fv_schema (version INTEGER NOT NULL)');
      await client.query('INSERT INTO fv_schema (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
      const error = await rejection(PostgresSyncStorage.connect(url));
      expect(error).toBeInstanceOf(SchemaTooNewError);
      expect(error).toMatchObject({ code: 'SCHEMA_TOO_NEW', found: SCHEMA_VERSION + 1 });
      expect(await postgresSchemaVersion(client)).toBe(SCHEMA_VERSION + 1);
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      expect(tables.rows.map((t) => t.table_name)).toEqual(['fv_schema']);
    });
  });

  it('both dialects create the same tables and columns', async () => {
    const file = path.join(tempDir('fv-mig-'), 'sync.sqlite');
    await SqliteSyncStorage.open(file).close();
    const db = new Database(file);
    const sqlite = db
      .prepare<[], { t: string; c: string }>(
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'",
      )
      .all()
      .map((r) => `${r.t}.${r.c}`)
      .sort();
    db.close();
    const postgres = await withPostgres(async (url, client) => {
      await (await PostgresSyncStorage.connect(url)).close();
      const r = await client.query<{ t: string; c: string }>(
        `SELECT table_name AS t, column_name AS c FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> 'fv_schema'`,
      );
      return r.rows.map((x) => `${x.t}.${x.c}`).sort();
    });
    expect(sqlite.length).toBeGreaterThan(0);
    expect(postgres).toEqual(sqlite);
  });
});
