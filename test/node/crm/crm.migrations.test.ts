import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase } from '../../../electron/services/db/database';
import { migrate, schemaVersions } from '../../../electron/services/db/migrate';
import { tempDir } from '../support/tmp';

function upTo(version: number) {
  return { domain: 'crm', migrations: crmMigrations.migrations.slice(0, version) };
}

describe('crm migrations', () => {
  it('v1 creates the record tables, op log and search tables and seeds the default pipeline', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(1)]);
    expect(schemaVersions(db)).toEqual({ crm: 1 });
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table')").all() as { name: string }[]
    ).map((r) => r.name);
    for (const t of [
      'crm_accounts',
      'crm_contacts',
      'crm_deals',
      'crm_pipelines',
      'crm_activities',
      'crm_tasks',
      'crm_oplog',
      'crm_search',
      'crm_search_tri',
      'crm_meta',
    ])
      expect(tables).toContain(t);
    const p = db.prepare('SELECT name, stages FROM crm_pipelines WHERE id = ?').get(DEFAULT_PIPELINE_ID) as {
      name: string;
      stages: string;
    };
    expect(p.name).toBe('Sales');
    expect((JSON.parse(p.stages) as unknown[]).length).toBe(5);
    // The seed writes no ops: every device seeds the same record, so there is nothing to sync.
    expect(db.prepare('SELECT count(*) AS n FROM crm_oplog').get()).toEqual({ n: 0 });
    db.close();
  });

  it('v2 turns on FTS5 secure-delete for both search tables, on a database that already has data', () => {
    const file = path.join(tempDir(), 'v.db');
    const key = randomBytes(32);
    let db = openEncryptedDatabase(file, key);
    migrate(db, [upTo(1)]);
    db.prepare("INSERT INTO crm_search (rowid, title, body) VALUES (1, 'kept', '')").run();
    db.close();
    db = openEncryptedDatabase(file, key);
    expect(migrate(db, [crmMigrations])).toEqual({ crm: 2 });
    for (const t of ['crm_search_config', 'crm_search_tri_config']) {
      expect(db.prepare(`SELECT v FROM ${t} WHERE k = 'secure-delete'`).get()).toEqual({ v: 1 });
    }
    expect(db.prepare("SELECT rowid FROM crm_search WHERE crm_search MATCH 'kept'").all()).toEqual([
      { rowid: 1 },
    ]);
    db.close();
  });
});
