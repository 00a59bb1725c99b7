import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRecord, SyncStorage } from '../../../server/storage/storage';
import {
  POSTGRES_MIGRATIONS,
  PostgresSyncStorage,
  postgresSchemaVersion,
} from '../../../server/storage/storage.postgres';
import { SCHEMA_VERSION } from '../../../server/storage/storage.sql';
import {
  SQLITE_MIGRATIONS,
  SqliteSyncStorage,
  sqliteSchemaVersion,
} from '../../../server/storage/storage.sqlite';
import { randomId } from '../../../shared/sync/device-keys';
import { tempDir } from '../support/tmp';
import {
  deviceRecord,
  postgresBackend,
  requireCluster,
  sqliteBackend,
  usePostgresCluster,
  type Backend,
} from './backends';

/** The schema version that added key epochs (issue 12). */
const EPOCHS_VERSION = 4;

const device = (workspaceId: string): DeviceRecord =>
  deviceRecord(workspaceId, { createdAt: 1_000, role: 'owner' });

/** An envelope-shaped byte string whose header names `epoch` (storage reads only `epoch`). */
const delta = (epoch: number) => ({ deltaId: randomId(), envelope: new Uint8Array(randomBytes(200)), epoch });

describe.each([sqliteBackend, postgresBackend])('storage key epochs: $name', (backend: Backend) => {
  if (backend.name === 'postgres') usePostgresCluster();
  const open: SyncStorage[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function workspace(): Promise<{ storage: SyncStorage; ws: string; owner: DeviceRecord }> {
    const { storage } = await backend.open();
    open.push(storage);
    const ws = randomId();
    const owner = device(ws);
    const genesis = await storage.appendMembership(
      ws,
      { seq: 0, json: '{"g":1}' },
      { kind: 'genesis', device: owner },
      1,
    );
    expect(genesis.kind).toBe('appended');
    return { storage, ws, owner };
  }

  it('a committed rotation refuses new deltas under the retired epoch, all or nothing, and still answers duplicates', async () => {
    const { storage, ws, owner } = await workspace();
    const early = delta(1);
    expect(await storage.appendDeltas(ws, owner.deviceId, [early], 2)).toMatchObject([
      { seq: 1, duplicate: false },
    ]);
    const rotated = await storage.appendMembership(
      ws,
      { seq: 1, json: '{"r":2}' },
      { kind: 'rotate', epoch: 2 },
      3,
    );
    expect(rotated).toEqual({ kind: 'appended', device: null });
    const late = delta(1);
    expect(await storage.appendDeltas(ws, owner.deviceId, [delta(2), late], 4)).toEqual({
      kind: 'retired_epoch',
      deltaId: late.deltaId,
      epoch: 2,
    });
    expect(await storage.latestSeq(ws)).toBe(1);
    // An epoch no rotation made: nobody can hold its key (a hostile member's header), refused too.
    const future = delta(3);
    expect(await storage.appendDeltas(ws, owner.deviceId, [future], 4)).toEqual({
      kind: 'unknown_epoch',
      deltaId: future.deltaId,
      epoch: 2,
    });
    // A delta that landed before the rotation, pushed again (its answer was lost): a duplicate.
    expect(await storage.appendDeltas(ws, owner.deviceId, [early], 5)).toMatchObject([
      { seq: 1, duplicate: true },
    ]);
    expect(await storage.appendDeltas(ws, owner.deviceId, [delta(2)], 6)).toMatchObject([{ seq: 2 }]);
    // Bytes that are not an envelope carry no epoch: nobody can open them, the storage keeps them as before.
    expect(
      await storage.appendDeltas(
        ws,
        owner.deviceId,
        [{ deltaId: randomId(), envelope: new Uint8Array(9) }],
        7,
      ),
    ).toMatchObject([{ seq: 3 }]);
  });

  it('a rotation expires the open invites (they carry the retired key)', async () => {
    const { storage, ws, owner } = await workspace();
    const inviteId = randomId();
    const invite = {
      inviteId,
      workspaceId: ws,
      createdBy: owner.deviceId,
      wrappedKey: new Uint8Array(randomBytes(77)),
      authPublicKey: new Uint8Array(randomBytes(32)),
      createdAt: 1,
      expiresAt: 100_000,
      usedAt: null,
      usedBy: null,
    };
    await storage.appendMembership(ws, { seq: 1, json: '{"i":1}' }, { kind: 'invite', invite }, 2);
    await storage.appendMembership(ws, { seq: 2, json: '{"r":2}' }, { kind: 'rotate', epoch: 2 }, 50);
    expect((await storage.getInvite(inviteId))?.expiresAt).toBe(50);
  });
});

describe('server migration v4 (key epochs)', () => {
  usePostgresCluster();

  it('SQLite: a version-3 database gains the epoch column at 1 and keeps its log', async () => {
    const file = path.join(tempDir('fv-mig4-'), 'sync.sqlite');
    const v3 = new Database(file);
    for (const m of SQLITE_MIGRATIONS.slice(0, EPOCHS_VERSION - 1)) v3.exec(m);
    v3.pragma(`user_version = ${EPOCHS_VERSION - 1}`);
    v3.prepare('INSERT INTO workspaces (workspace_id, created_at, last_seq) VALUES (?, ?, ?)').run(
      'ws-v3',
      1,
      7,
    );
    v3.close();
    const storage = SqliteSyncStorage.open(file);
    try {
      expect(await storage.latestSeq('ws-v3')).toBe(7);
    } finally {
      await storage.close();
    }
    const check = new Database(file);
    expect(sqliteSchemaVersion(check)).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT epoch FROM workspaces WHERE workspace_id = ?').get('ws-v3')).toEqual({
      epoch: 1,
    });
    check.close();
  });

  it('PostgreSQL: a version-3 database gains the epoch column at 1 and keeps its log', async () => {
    const url = await requireCluster().createDatabase(`fv_mig4_${process.pid}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('CREATE TABLE fv_schema (version INTEGER NOT NULL)');
      await client.query('INSERT INTO fv_schema (version) VALUES ($1)', [EPOCHS_VERSION - 1]);
      for (const m of POSTGRES_MIGRATIONS.slice(0, EPOCHS_VERSION - 1)) await client.query(m);
      await client.query(
        "INSERT INTO workspaces (workspace_id, created_at, last_seq) VALUES ('ws-v3', 1, 7)",
      );
      const storage = await PostgresSyncStorage.connect(url);
      try {
        expect(await storage.latestSeq('ws-v3')).toBe(7);
      } finally {
        await storage.close();
      }
      expect(await postgresSchemaVersion(client)).toBe(SCHEMA_VERSION);
      const r = await client.query<{ epoch: number }>(
        "SELECT epoch FROM workspaces WHERE workspace_id = 'ws-v3'",
      );
      expect(r.rows).toEqual([{ epoch: 1 }]);
    } finally {
      await client.end();
    }
  });
});
