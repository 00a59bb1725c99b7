import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate, schemaVersions } from '../../../../electron/services/db/migrate';
import { syncMigrations } from '../../../../electron/services/sync/sync.migrations';
import { SyncRepository } from '../../../../electron/services/sync/sync.repository';
import { tempDir } from '../../support/tmp';

/** Migrates the CRM fully and the sync domain up to `version`. */
function migrateSyncTo(db: Db, version: number): void {
  migrate(db, [crmMigrations, { domain: 'sync', migrations: syncMigrations.migrations.slice(0, version) }]);
  expect(schemaVersions(db).sync).toBe(version);
}

/** Runs `fn` on a new encrypted vault at sync `version`, closed afterwards. */
function withSyncAt(version: number, fn: (db: Db) => void): void {
  const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
  try {
    migrateSyncTo(db, version);
    fn(db);
  } finally {
    db.close();
  }
}

describe('sync migrations', () => {
  it('v1 creates the workspace, keys, outbox, rejected, quarantine and conflict tables', () => {
    withSyncAt(1, (db) => {
      const tables = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sync_%'",
        )
        .all()
        .map((r) => r.name)
        .sort();
      expect(tables).toEqual([
        'sync_conflicts',
        'sync_keys',
        'sync_outbox',
        'sync_quarantine',
        'sync_rejected',
        'sync_workspace',
      ]);
      const repo = new SyncRepository(db);
      expect(repo.workspace()).toBeNull();
      repo.saveWorkspace(
        { workspaceId: 'w'.repeat(22), deviceId: 'd'.repeat(22), serverUrl: 'http://127.0.0.1:1', name: 'T' },
        [{ kind: 'sign', keyId: 0, secret: Buffer.alloc(32, 1), public: Buffer.alloc(32, 2) }],
        5,
      );
      expect(repo.workspace()).toMatchObject({ cursor: 0, lastSyncAt: null, name: 'T' });
      expect(repo.keys()[0]!.secret.equals(Buffer.alloc(32, 1))).toBe(true);
      // Migrating again is a no-op.
      migrate(db, [crmMigrations, syncMigrations]);
      expect(repo.workspace()?.workspaceId).toBe('w'.repeat(22));
    });
  });

  it('v2 records where pushed ops landed on the server', () => {
    withSyncAt(2, (db) => {
      const repo = new SyncRepository(db);
      repo.addPushed(7, 10, 19);
      repo.addPushed(9, 20, 25);
      expect(repo.pushedAt(10)).toBe(7);
      expect(repo.pushedAt(19)).toBe(7);
      expect(repo.pushedAt(21)).toBe(9);
      expect(repo.pushedAt(5)).toBeNull();
      expect(repo.pushedAt(26)).toBeNull();
    });
  });

  it('v4 drops the envelopes of own deltas sealed again in a later delta, and only those', () => {
    withSyncAt(3, (db) => {
      const ins = db.prepare(
        'INSERT INTO sync_own_deltas (dseq, delta_id, digest, envelope, server_seq, delivered) VALUES (?, ?, ?, ?, ?, ?)',
      );
      ins.run(1, 'd1', Buffer.alloc(32, 1), Buffer.from('sealed-replaced'), null, 3);
      ins.run(2, 'd2', Buffer.alloc(32, 2), Buffer.from('sealed-pending'), null, 0);
      ins.run(3, 'd3', Buffer.alloc(32, 3), Buffer.from('sealed-delivered'), 4, 1);
      migrateSyncTo(db, 4);
      const rows = db
        .prepare<[], { dseq: number; n: number; delivered: number }>(
          'SELECT dseq, length(envelope) AS n, delivered FROM sync_own_deltas ORDER BY dseq',
        )
        .all();
      expect(rows).toEqual([
        { dseq: 1, n: 0, delivered: 3 },
        { dseq: 2, n: 'sealed-pending'.length, delivered: 0 },
        { dseq: 3, n: 'sealed-delivered'.length, delivered: 1 },
      ]);
    });
  });

  it('v5 drops the values of held-back ops and keeps which op was held back and why', () => {
    withSyncAt(4, (db) => {
      db.prepare(
        `INSERT INTO sync_quarantine (op_id, delta_id, seq, reason, entity, record_id, fields, hlc,
       device_id, received_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run('op1', 'd1', 3, 'clock_skew', 'contact', 'r1', '{"name":"Held Back"}', 'h1', 'dev', 1, 2);
      migrateSyncTo(db, 5);
      expect(
        db.prepare('SELECT op_id AS opId, reason, record_id AS recordId, fields FROM sync_quarantine').all(),
      ).toEqual([{ opId: 'op1', reason: 'clock_skew', recordId: 'r1', fields: null }]);
    });
  });
});
