import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { migrate, schemaVersions } from '../../../../electron/services/db/migrate';
import { tempDir } from '../../support/tmp';

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
    expect(migrate(db, [upTo(2)])).toEqual({ crm: 2 });
    for (const t of ['crm_search_config', 'crm_search_tri_config']) {
      expect(db.prepare(`SELECT v FROM ${t} WHERE k = 'secure-delete'`).get()).toEqual({ v: 1 });
    }
    expect(db.prepare("SELECT rowid FROM crm_search WHERE crm_search MATCH 'kept'").all()).toEqual([
      { rowid: 1 },
    ]);
    db.close();
  });

  it('v3 folds per-field op rows into one row per mutation and record, keeping every value', () => {
    const file = path.join(tempDir(), 'v.db');
    const db = openEncryptedDatabase(file, randomBytes(32));
    migrate(db, [upTo(2)]);
    const ins = db.prepare(
      `INSERT INTO crm_oplog (op_id, entity, record_id, field, value, hlc, device_id, sync_state)
       VALUES (?, 'contact', ?, ?, ?, ?, 'dev', ?)`,
    );
    ins.run('o1', 'r1', 'name', '"Ann"', 'h1', 'pushed');
    ins.run('o2', 'r1', 'emails', '["a@b.example"]', 'h1', 'pushed');
    ins.run('o3', 'r1', 'title', '"CTO"', 'h2', 'pending');
    ins.run('o4', 'r2', 'name', null, 'h3', 'pending');
    expect(migrate(db, [upTo(3)])).toEqual({ crm: 3 });
    const rows = (
      db.prepare('SELECT record_id, hlc, fields, sync_state FROM crm_oplog ORDER BY seq').all() as {
        fields: string | null;
      }[]
    ).map((r) => ({ ...r, fields: r.fields === null ? null : (JSON.parse(r.fields) as unknown) }));
    expect(rows).toEqual([
      { record_id: 'r1', hlc: 'h1', fields: { name: 'Ann', emails: ['a@b.example'] }, sync_state: 'pushed' },
      { record_id: 'r1', hlc: 'h2', fields: { title: 'CTO' }, sync_state: 'pending' },
      { record_id: 'r2', hlc: 'h3', fields: null, sync_state: 'pending' },
    ]);
    expect(() =>
      db
        .prepare(
          "INSERT INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state) VALUES ('x', 'contact', 'r1', 'h1', 'dev', '{}', 'applied')",
        )
        .run(),
    ).toThrow();
    db.close();
  });

  it('v4 and v5: count indexes, and the search index split into names and text keeping every entry', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(3)]);
    db.prepare("INSERT INTO crm_search (rowid, title, body) VALUES (7, 'Ann Lee', 'met at the fair')").run();
    db.prepare("INSERT INTO crm_search (rowid, title, body) VALUES (8, '', 'only text')").run();
    expect(migrate(db, [upTo(5)])).toEqual({ crm: 5 });
    expect(db.prepare("SELECT rowid FROM crm_search_names WHERE crm_search_names MATCH 'ann'").all()).toEqual(
      [{ rowid: 7 }],
    );
    expect(
      db
        .prepare(
          "SELECT rowid FROM crm_search_text WHERE crm_search_text MATCH 'fair OR only' ORDER BY rowid",
        )
        .all(),
    ).toEqual([{ rowid: 7 }, { rowid: 8 }]);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'crm_search'").get()).toEqual({
      n: 0,
    });
    for (const t of ['crm_search_names_config', 'crm_search_text_config'])
      expect(db.prepare(`SELECT v FROM ${t} WHERE k = 'secure-delete'`).get()).toEqual({ v: 1 });
    expect(
      db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name LIKE '%_deleted'")
        .get(),
    ).toEqual({ n: 6 });
    db.close();
  });

  it('v6 moves the search text into one document table under external-content indexes, keeping every entry', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(5)]);
    db.exec(`
      INSERT INTO crm_search_map (rowid, entity, record_id) VALUES (3, 'contact', 'c1'), (4, 'deal', 'd1');
      INSERT INTO crm_search_names (rowid, title) VALUES (3, 'Ann Lee'), (4, 'Big deal');
      INSERT INTO crm_search_text (rowid, body) VALUES (3, 'met at the fair');
      INSERT INTO crm_search_tri (rowid, digits, emails) VALUES (3, '4930123456', 'ann@lee.example');
      INSERT INTO crm_contact_keys (kind, value, contact_id) VALUES ('email', 'ann@lee.example', 'c1');
    `);
    expect(migrate(db, [upTo(6)])).toEqual({ crm: 6 });
    expect(db.prepare('SELECT * FROM crm_search_docs ORDER BY rowid').all()).toEqual([
      {
        rowid: 3,
        entity: 'contact',
        record_id: 'c1',
        title: 'Ann Lee',
        body: 'met at the fair',
        digits: '4930123456',
        emails: 'ann@lee.example',
      },
      { rowid: 4, entity: 'deal', record_id: 'd1', title: 'Big deal', body: '', digits: '', emails: '' },
    ]);
    const match = (table: string, query: string) =>
      db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`).all(query);
    expect(match('crm_search_names', 'ann OR big')).toEqual([{ rowid: 3 }, { rowid: 4 }]);
    expect(match('crm_search_text', 'fai*')).toEqual([{ rowid: 3 }]);
    expect(match('crm_search_tri', '"0123"')).toEqual([{ rowid: 3 }]);
    // highlight() reads the text from the document table.
    expect(
      db
        .prepare(
          "SELECT highlight(crm_search_names, 0, '[', ']') AS h FROM crm_search_names WHERE crm_search_names MATCH 'lee'",
        )
        .get(),
    ).toEqual({ h: 'Ann [Lee]' });
    for (const t of ['crm_search_map', 'crm_contact_keys'])
      expect(db.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = ?').get(t)).toEqual({ n: 0 });
    for (const t of ['crm_search_names_config', 'crm_search_text_config', 'crm_search_tri_config'])
      expect(db.prepare(`SELECT v FROM ${t} WHERE k = 'secure-delete'`).get()).toEqual({ v: 1 });
    // Each index agrees with the documents it was built from (rank 1: checked against the content).
    for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri'])
      db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
    // An external-content entry is removed with the values it was indexed with.
    db.prepare(
      "INSERT INTO crm_search_names (crm_search_names, rowid, title) VALUES ('delete', 3, 'Ann Lee')",
    ).run();
    expect(match('crm_search_names', 'ann OR big')).toEqual([{ rowid: 4 }]);
    db.close();
  });

  it('v7 gives existing activities an empty attendee list and indexes open tasks by reminder moment', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(6)]);
    db.exec(`
      INSERT INTO crm_activities (id, kind, occurred_at, body, created_at, updated_at, created_by, updated_by)
        VALUES ('a1', 'visit', 5, '', 1, 1, 'd', 'd');
    `);
    expect(migrate(db, [upTo(7)])).toEqual({ crm: 7 });
    expect(db.prepare("SELECT attendee_ids FROM crm_activities WHERE id = 'a1'").get()).toEqual({
      attendee_ids: '[]',
    });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM crm_tasks INDEXED BY crm_tasks_reminder WHERE done = 0
         AND deleted_at IS NULL AND coalesce(remind_at, due_at) IS NOT NULL
         AND coalesce(remind_at, due_at) > 1 AND coalesce(remind_at, due_at) <= 2`,
      )
      .all() as { detail: string }[];
    // The reminder query can use the index (INDEXED BY fails to prepare otherwise).
    expect(plan.map((p) => p.detail).join(' ')).toContain('crm_tasks_reminder');
    db.close();
  });

  it('v8 gives existing deals no contact roles and no stage date, and pipelines no lost reasons', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(7)]);
    db.exec(`
      INSERT INTO crm_deals (id, name, amount_minor, currency, pipeline_id, stage_id, position, status,
          created_at, updated_at, created_by, updated_by)
        VALUES ('d1', 'Pilot', 0, 'EUR', '${DEFAULT_PIPELINE_ID}', 'lead', 0, 'open', 1, 1, 'd', 'd');
    `);
    expect(migrate(db, [upTo(8)])).toEqual({ crm: 8 });
    expect(db.prepare("SELECT contact_roles, stage_changed_at FROM crm_deals WHERE id = 'd1'").get()).toEqual(
      {
        contact_roles: '{}',
        stage_changed_at: null,
      },
    );
    expect(
      db.prepare('SELECT lost_reasons FROM crm_pipelines WHERE id = ?').get(DEFAULT_PIPELINE_ID),
    ).toEqual({
      lost_reasons: '[]',
    });
    db.close();
  });

  it('v15 gives documents stored before it their search aliases and leaves the others as they were', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(14)]);
    db.exec(`
      INSERT INTO crm_search_docs (rowid, entity, record_id, title, body, digits, emails) VALUES
        (3, 'contact', 'c1', 'Zoë O''Brien', 'met at the Bahnhofstraße', '', ''),
        (4, 'deal', 'd1', 'Big deal', 'plain text', '', '');
      INSERT INTO crm_search_names (rowid, title) SELECT rowid, title FROM crm_search_docs;
      INSERT INTO crm_search_text (rowid, body) SELECT rowid, body FROM crm_search_docs;
      INSERT INTO crm_search_tri (rowid, digits, emails) SELECT rowid, digits, emails FROM crm_search_docs;
    `);
    expect(migrate(db, [upTo(15)])).toEqual({ crm: 15 });
    expect(db.prepare('SELECT rowid, title, body FROM crm_search_docs ORDER BY rowid').all()).toEqual([
      { rowid: 3, title: "Zoë O'Brien\u0003obrien", body: 'met at the Bahnhofstraße\u0003bahnhofstrasse' },
      { rowid: 4, title: 'Big deal', body: 'plain text' },
    ]);
    const match = (table: string, query: string) =>
      db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`).all(query);
    expect(match('crm_search_names', 'obrien OR big')).toEqual([{ rowid: 3 }, { rowid: 4 }]);
    expect(match('crm_search_text', 'bahnhofstrasse')).toEqual([{ rowid: 3 }]);
    for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri'])
      db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
    db.close();
  });

  it('v16 rebuilds the name indexes case-insensitively, keeping every row', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [upTo(15)]);
    db.exec(`INSERT INTO crm_accounts (id, name, created_at, updated_at, created_by, updated_by)
      VALUES ('a1', 'zeta', 1, 1, 'd', 'd'), ('a2', 'Alpha', 1, 1, 'd', 'd')`);
    expect(migrate(db, [upTo(16)])).toEqual({ crm: 16 });
    const sql = (name: string) =>
      (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    for (const index of ['crm_accounts_name', 'crm_contacts_name', 'crm_saved_views_name'])
      expect(sql(index)).toMatch(/\(name COLLATE NOCASE, id\)/);
    expect(
      db
        .prepare('SELECT id FROM crm_accounts INDEXED BY crm_accounts_name ORDER BY name COLLATE NOCASE')
        .all(),
    ).toEqual([{ id: 'a2' }, { id: 'a1' }]);
    db.close();
  });
});
