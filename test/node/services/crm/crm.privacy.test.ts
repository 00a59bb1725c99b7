import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../electron/services/db/database';
import { checkSearchIndex, createCrmFixture } from './support/crm.fixture';

/** Every table of the database, FTS shadow tables included. */
function allTables(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
    (r) => r.name,
  );
}

/** Tables whose text or blob cells contain `needle` (case-insensitive, as UTF-8 bytes for blobs). */
function tablesContaining(db: Db, needle: string): string[] {
  const hits: string[] = [];
  const lower = needle.toLowerCase();
  const bytes = Buffer.from(lower, 'utf8');
  for (const table of allTables(db)) {
    const rows = db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][];
    const found = rows.some((row) =>
      row.some((cell) =>
        typeof cell === 'string'
          ? cell.toLowerCase().replaceAll('\u200b', '').includes(lower)
          : Buffer.isBuffer(cell)
            ? Buffer.from(cell.toString('latin1').toLowerCase(), 'latin1').includes(bytes)
            : false,
      ),
    );
    if (found) hits.push(table);
  }
  return hits;
}

/** Terms of the full-text indexes (what the index b-trees hold, merged or not). */
function indexTerms(db: Db): Set<string> {
  const terms: { term: string }[] = [];
  for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri']) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_${t} USING fts5vocab(main, ${t}, row)`);
    terms.push(...(db.prepare(`SELECT term FROM temp.v_${t}`).all() as { term: string }[]));
  }
  return new Set(terms.map((t) => t.term));
}

describe('privacy', () => {
  it('exports everything held about one person as JSON', async () => {
    const f = await createCrmFixture();
    const acc = await f.ok('accounts.create', { name: 'Acme' });
    const c = await f.ok('contacts.create', {
      name: 'Ann Lee',
      accountId: acc.id,
      emails: ['ann@acme.example'],
    });
    await f.ok('contacts.update', { id: c.id, patch: { title: 'CFO' } });
    const act = await f.ok('activities.create', { kind: 'call', occurredAt: 1, contactId: c.id });
    const task = await f.ok('tasks.create', { title: 'Send offer', contactId: c.id });
    const deal = await f.ok('deals.create', {
      name: 'Deal',
      pipelineId: '00000000-0000-7000-8000-000000000001',
      stageId: 'lead',
      contactIds: [c.id],
    });
    const out = await f.ok('privacy.exportPerson', { contactId: c.id });
    expect(out.contact).toMatchObject({ id: c.id, name: 'Ann Lee', title: 'CFO' });
    expect(out.account?.id).toBe(acc.id);
    expect(out.activities.map((a) => a.id)).toEqual([act.id]);
    expect(out.tasks.map((t) => t.id)).toEqual([task.id]);
    expect(out.deals.map((d) => d.id)).toEqual([deal.id]);
    expect(out.history.map((h) => h.field)).toEqual(
      expect.arrayContaining(['name', 'emails', 'accountId', 'title']),
    );
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    expect(await f.call('privacy.exportPerson', { contactId: act.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('erases a person from every table, the FTS indexes and op-log values, leaving a tombstone', async () => {
    const f = await createCrmFixture();
    const acc = await f.ok('accounts.create', { name: 'Keepco' });
    const person = {
      name: 'Zqxwvian Plombard',
      givenName: 'Zqxwvian',
      familyName: 'Plombard',
      title: 'Quorrellant',
      emails: ['zqxwv.plomb@snorkmail.example'],
      phones: ['+49 171 9876 5432'],
      address: { street: 'Flurbenweg 7', city: 'Glimmerstadt' },
      tags: ['blorptag'],
      notes: 'Prefers xyzzyfoo tea',
    };
    const secrets = [
      'Zqxwvian',
      'Plombard',
      'Quorrellant',
      'zqxwv.plomb',
      'snorkmail',
      '98765432',
      '9876 5432',
      'Flurbenweg',
      'Glimmerstadt',
      'blorptag',
      'xyzzyfoo',
      '慕容雪',
      'grumblewort',
      'Hushnote',
    ];
    const c = await f.ok('contacts.create', {
      ...person,
      name: 'Zqxwvian Plombard 慕容雪',
      accountId: acc.id,
    });
    await f.ok('contacts.update', { id: c.id, patch: { notes: 'Prefers xyzzyfoo tea, then grumblewort' } });
    const own = await f.ok('activities.create', {
      kind: 'note',
      occurredAt: 5,
      contactId: c.id,
      body: 'Hushnote about Plombard',
    });
    const shared = await f.ok('activities.create', {
      kind: 'meeting',
      occurredAt: 6,
      contactId: c.id,
      accountId: acc.id,
      body: 'Quarterly review',
    });
    const other = await f.ok('contacts.create', { name: 'Other Person', notes: 'unrelated' });
    for (const s of ['zqxwvian', 'snorkmail', '98765432', '慕容雪']) {
      expect((await f.ok('search.query', { q: s })).hits.length).toBeGreaterThan(0);
    }
    expect(tablesContaining(f.db, 'Plombard').length).toBeGreaterThan(0);

    const res = await f.ok('privacy.erasePerson', { contactId: c.id });
    expect(res).toMatchObject({ contactId: c.id, recordsErased: 2 });

    for (const s of secrets) expect(tablesContaining(f.db, s), s).toEqual([]);
    checkSearchIndex(f.db);
    const terms = indexTerms(f.db);
    for (const t of [
      'zqxwvian',
      'plombard',
      'quorrellant',
      'blorptag',
      'xyzzyfoo',
      'grumblewort',
      'hushnote',
      '慕',
      '容',
      '雪',
      'snorkmail',
      'nor',
      '987',
      '654',
    ])
      expect(terms.has(t), t).toBe(false);
    for (const s of ['zqxwvian', 'snorkmail', '98765432', '慕容雪', 'hushnote']) {
      expect((await f.ok('search.query', { q: s })).hits, s).toEqual([]);
    }
    // The tombstone: the id survives with a deletion stamp, and an erasure op waits to be synced.
    const row = f.db.prepare('SELECT id, name, deleted_at FROM crm_contacts WHERE id = ?').get(c.id) as {
      name: string;
      deleted_at: number | null;
    };
    expect(row.name).toBe('');
    expect(typeof row.deleted_at).toBe('number');
    const erasedOp = f.db
      .prepare(
        "SELECT sync_state FROM crm_oplog WHERE record_id = ? AND json_type(fields, '$.erasedAt') = 'integer'",
      )
      .get(c.id) as { sync_state: string };
    expect(erasedOp.sync_state).toBe('pending');
    // The shared activity stays but no longer points at the person; the account and others are untouched.
    expect(await f.ok('activities.get', { id: shared.id })).toMatchObject({
      contactId: null,
      body: 'Quarterly review',
    });
    expect((await f.call('activities.get', { id: own.id })).ok).toBe(false);
    expect((await f.ok('contacts.get', { id: other.id })).name).toBe('Other Person');
    expect((await f.ok('search.query', { q: 'keepco' })).hits.map((h) => h.id)).toEqual([acc.id]);
    expect(await f.call('privacy.exportPerson', { contactId: c.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await f.call('privacy.erasePerson', { contactId: c.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});
