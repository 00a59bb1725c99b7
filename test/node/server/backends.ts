import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSyncStorage } from '../../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import type { DeviceRecord, SyncStorage } from '../../../server/storage/storage';
import { randomId } from '../../../shared/sync/device-keys';
import { startPostgres, type PostgresCluster } from '../../support/postgres';
import { tempDir } from '../support/tmp';

/**
 * The storage backends every shared server suite runs against. `open()` gives a fresh, empty
 * storage; `reopen()` a second handle on the same data (a restart, or another server instance).
 */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** A new empty store; `location` identifies it for `reopen`. */
  open(): Promise<{ storage: SyncStorage; location: string }>;
  reopen(location: string): Promise<SyncStorage>;
  /** Every byte the backend has on disk for `location`. */
  diskFiles(location: string): Promise<string[]>;
}

let cluster: PostgresCluster | undefined;
let databases = 0;

/** Starts the private PostgreSQL cluster for this test file (fails, never skips, without binaries). */
export function usePostgresCluster(): void {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => {
    cluster?.stop();
    cluster = undefined;
  });
}

export function requireCluster(): PostgresCluster {
  if (!cluster) throw new Error('PostgreSQL cluster did not start (see the beforeAll error above)');
  return cluster;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  open() {
    const file = path.join(tempDir('fv-sync-'), 'sync.sqlite');
    return Promise.resolve({ storage: SqliteSyncStorage.open(file), location: file });
  },
  reopen(location) {
    return Promise.resolve(SqliteSyncStorage.open(location));
  },
  diskFiles(location) {
    return Promise.resolve(walk(path.dirname(location)));
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open() {
    const url = await requireCluster().createDatabase(`fv_${process.pid}_${++databases}`);
    return { storage: await PostgresSyncStorage.connect(url), location: url };
  },
  reopen(location) {
    return PostgresSyncStorage.connect(location);
  },
  async diskFiles() {
    const c = requireCluster();
    await c.checkpoint();
    return walk(c.dataDir);
  },
};

/**
 * Flips one ciphertext byte of a stored delta in a SQLite server database, as an attacker holding the
 * database would.
 */
export function tamperSqliteDelta(location: string, workspaceId: string, seq: number): Promise<void> {
  const db = new Database(location);
  try {
    const row = db
      .prepare<[string, number], { envelope: Buffer }>(
        'SELECT envelope FROM deltas WHERE workspace_id = ? AND seq = ?',
      )
      .get(workspaceId, seq)!;
    row.envelope[row.envelope.length - 20]! ^= 0x01;
    db.prepare('UPDATE deltas SET envelope = ? WHERE workspace_id = ? AND seq = ?').run(
      row.envelope,
      workspaceId,
      seq,
    );
  } finally {
    db.close();
  }
  return Promise.resolve();
}

/** The same byte flip in a PostgreSQL server database. */
export async function tamperPostgresDelta(location: string, workspaceId: string, seq: number): Promise<void> {
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query(
      // XOR, as the SQLite flip: setting a byte to a fixed value is a no-op when it already has it.
      `UPDATE deltas
       SET envelope = set_byte(envelope, length(envelope) - 20, get_byte(envelope, length(envelope) - 20) # 1)
       WHERE workspace_id = $1 AND seq = $2`,
      [workspaceId, seq],
    );
  } finally {
    await client.end();
  }
}

/**
 * Deletes deltas `from..to` of a workspace straight in the database (no rule makes a gap in the
 * log; this checks that a pull never stalls on one all the same).
 */
export async function deleteDeltas(
  backend: Backend['name'],
  location: string,
  workspaceId: string,
  from: number,
  to: number,
): Promise<void> {
  if (backend === 'sqlite') {
    const db = new Database(location);
    try {
      db.prepare('DELETE FROM deltas WHERE workspace_id = ? AND seq BETWEEN ? AND ?').run(
        workspaceId,
        from,
        to,
      );
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query('DELETE FROM deltas WHERE workspace_id = $1 AND seq BETWEEN $2 AND $3', [
      workspaceId,
      from,
      to,
    ]);
  } finally {
    await client.end();
  }
}

/** A fresh active device record of `workspaceId` with random keys; `overrides` set what a test needs. */
export function deviceRecord(workspaceId: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    deviceId: randomId(),
    workspaceId,
    signPublicKey: new Uint8Array(randomBytes(32)),
    boxPublicKey: new Uint8Array(randomBytes(32)),
    status: 'active',
    createdAt: 1_700_000_000_000,
    revokedAt: null,
    invitedBy: null,
    role: 'member',
    ...overrides,
  };
}
