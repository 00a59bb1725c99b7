import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * What a hostile operator does to the sync server's storage behind its back, for the acceptance
 * suite: drop the next delta written (a trigger deletes the row as it is inserted, so no client can
 * have pulled it), and put an earlier copy of the whole store back (a rollback). Snapshots and
 * restores need the server stopped, as a real restore from a backup would.
 */
export interface ServerStore {
  readonly name: 'sqlite' | 'postgres';
  /** Extra `server.main.ts` arguments that select this store. */
  readonly args: readonly string[];
  /** Makes the storage delete the next delta row it inserts (once). */
  armDrop(): Promise<void>;
  /** True once the armed drop has happened. */
  dropped(): Promise<boolean>;
  /** Copies the whole store aside (server stopped). */
  snapshot(): Promise<void>;
  /** Replaces the store by the last snapshot (server stopped). */
  restore(): Promise<void>;
  /** How many delta rows the store holds. */
  deltaRows(): Promise<number>;
}

const SQLITE_DROP = `
CREATE TABLE IF NOT EXISTS fv_test_drop (armed INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS fv_test_drop_next AFTER INSERT ON deltas
WHEN EXISTS (SELECT 1 FROM fv_test_drop)
BEGIN
  DELETE FROM deltas WHERE workspace_id = NEW.workspace_id AND seq = NEW.seq;
  DELETE FROM fv_test_drop;
END;
INSERT INTO fv_test_drop (armed) VALUES (1);
`;

/** The server's SQLite store: `<dataDir>/sync.sqlite` and its WAL files. */
export function sqliteStore(dataDir: string): ServerStore {
  const file = path.join(dataDir, 'sync.sqlite');
  const aside = path.join(path.dirname(dataDir), `${path.basename(dataDir)}-snapshot`);
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 10000');
      return fn(db);
    } finally {
      db.close();
    }
  };
  const storeFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('sync.sqlite'));
  return {
    name: 'sqlite',
    args: [],
    armDrop: () => Promise.resolve(withDb((db) => void db.exec(SQLITE_DROP))),
    dropped: () =>
      Promise.resolve(
        withDb(
          (db) => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fv_test_drop').get()!.n === 0,
        ),
      ),
    snapshot() {
      rmSync(aside, { recursive: true, force: true });
      mkdirSync(aside);
      for (const f of storeFiles(dataDir)) copyFileSync(path.join(dataDir, f), path.join(aside, f));
      return Promise.resolve();
    },
    restore() {
      if (!existsSync(aside)) throw new Error('no snapshot to restore');
      for (const f of storeFiles(dataDir)) rmSync(path.join(dataDir, f));
      for (const f of storeFiles(aside)) copyFileSync(path.join(aside, f), path.join(dataDir, f));
      return Promise.resolve();
    },
    deltaRows: () =>
      Promise.resolve(
        withDb((db) => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deltas').get()!.n),
      ),
  };
}

const PG_DROP = `
CREATE TABLE IF NOT EXISTS fv_test_drop (armed int NOT NULL);
CREATE OR REPLACE FUNCTION fv_test_drop_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM fv_test_drop) THEN
    DELETE FROM deltas WHERE workspace_id = NEW.workspace_id AND seq = NEW.seq;
    DELETE FROM fv_test_drop;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS fv_test_drop_next ON deltas;
CREATE TRIGGER fv_test_drop_next AFTER INSERT ON deltas FOR EACH ROW EXECUTE FUNCTION fv_test_drop_fn();
INSERT INTO fv_test_drop (armed) VALUES (1);
`;

/** A PostgreSQL database of the test cluster on `port`; snapshots are template copies. */
export function postgresStore(port: number, database: string): ServerStore {
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const snap = `${database}_snapshot`;
  const query = async <T extends pg.QueryResultRow>(db: string, sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(db) });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    args: ['--database', url(database)],
    armDrop: async () => void (await query(database, PG_DROP)),
    dropped: async () =>
      (await query<{ n: string }>(database, 'SELECT count(*) AS n FROM fv_test_drop'))[0]!.n === '0',
    async snapshot() {
      await query('postgres', `DROP DATABASE IF EXISTS ${snap}`);
      await query('postgres', `CREATE DATABASE ${snap} TEMPLATE ${database}`);
    },
    async restore() {
      await query('postgres', `DROP DATABASE ${database}`);
      await query('postgres', `CREATE DATABASE ${database} TEMPLATE ${snap}`);
    },
    deltaRows: async () =>
      Number((await query<{ n: string }>(database, 'SELECT count(*) AS n FROM deltas'))[0]!.n),
  };
}
