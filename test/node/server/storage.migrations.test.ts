import Database from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS, PostgresSyncStorage } from '../../../server/storage/storage.postgres';
import { SQLITE_MIGRATIONS, SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { tempDir } from '../support/tmp';
import { requireCluster, usePostgresCluster } from './backends';

usePostgresCluster();

describe('server storage migrations', () => {
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
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    check.close();
    // Opening again at the current version is a no-op.
    await SqliteSyncStorage.open(file).close();
  });

  it('PostgreSQL: a version-1 database upgrades in place and keeps its data', async () => {
    const url = await requireCluster().createDatabase(`fv_mig_${process.pid}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
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
      const v = await client.query<{ version: number }>('SELECT version FROM fv_schema');
      expect(v.rows[0]?.version).toBe(POSTGRES_MIGRATIONS.length);
      await (await PostgresSyncStorage.connect(url)).close();
    } finally {
      await client.end();
    }
  });
});
