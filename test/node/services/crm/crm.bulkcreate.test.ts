import { describe, expect, it } from 'vitest';
import { contactDef } from '../../../../electron/services/crm/crm.entities';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import type { Db } from '../../../../electron/services/db/database';
import { checkSearchIndex, createCrmFixture } from './support/crm.fixture';

type Row = Record<string, unknown>;

const INPUTS: Record<string, unknown>[] = [
  { name: '张伟', emails: ['zhang.wei@example.cn'], phones: ['+86 190 1111 2222'], tags: ['vip'] },
  { name: 'Anna Müller', givenName: 'Anna', familyName: 'Müller', title: 'Buyer', notes: 'pricing call' },
  {
    name: 'Bob Baker',
    // Canonical values, as the IPC schemas and the importer hand them over (e-mails lower-cased).
    emails: ['bob@example.com', 'b2@example.com'],
    address: { city: 'Berlin', country: 'DE' },
    consent: { marketingOptIn: true, recordedAt: 1_700_000_000_000, source: 'CSV import' },
  },
  { name: 'Plain' },
];

/** Everything a contact leaves in the database, with ids and stamps replaced by positions. */
function footprint(db: Db): Row {
  const ids = db
    .prepare<[], { id: string }>('SELECT id FROM crm_contacts ORDER BY id')
    .all()
    .map((r) => r.id);
  const pos = (id: unknown) => ids.indexOf(id as string);
  const strip = (r: Row) => {
    const { id, created_at, updated_at, created_by, updated_by, ...rest } = r;
    return {
      at: pos(id),
      ...rest,
      stamped: !!created_at && created_at === updated_at && created_by === updated_by,
    };
  };
  return {
    rows: db.prepare<[], Row>('SELECT * FROM crm_contacts ORDER BY id').all().map(strip),
    ops: db
      .prepare<[], Row>(
        "SELECT record_id, entity, fields, sync_state FROM crm_oplog WHERE entity = 'contact' ORDER BY seq",
      )
      .all()
      .map((r) => ({ ...r, record_id: pos(r.record_id) })),
    docs: db
      .prepare<[], Row>(
        `SELECT rowid, record_id, title, body, digits, emails FROM crm_search_docs
         WHERE entity = 'contact' ORDER BY record_id`,
      )
      .all()
      .map((r) => ({ ...r, record_id: pos(r.record_id) })),
    // Every token occurrence each index holds (documents get the same rowids on both paths).
    index: ['crm_search_names', 'crm_search_text', 'crm_search_tri'].map((t) => {
      db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.i_${t} USING fts5vocab(main, ${t}, instance)`);
      return db.prepare<[], Row>(`SELECT * FROM temp.i_${t} ORDER BY term, doc, col, offset`).all();
    }),
  };
}

describe('bulk create (the importer’s path)', () => {
  it('writes exactly what one create per record writes: rows, pending ops in stamp order, index', async () => {
    const one = await createCrmFixture();
    const bulk = await createCrmFixture();
    const a = new CrmService(one.db, Date.now);
    const b = new CrmService(bulk.db, Date.now);
    for (const input of INPUTS) a.create(contactDef, input);
    const done: number[] = [];
    const ids = b.createMany(contactDef, INPUTS, (n) => done.push(n), 3);
    expect(ids).toHaveLength(INPUTS.length);
    expect(done).toEqual([3, 4]);
    expect(footprint(bulk.db)).toEqual(footprint(one.db));
    for (const index of footprint(bulk.db).index as Row[][]) expect(index.length).toBeGreaterThan(0);
    checkSearchIndex(bulk.db);
    const hlcs = bulk.db.prepare<[], { hlc: string }>('SELECT hlc FROM crm_oplog ORDER BY seq').all();
    expect(hlcs.map((h) => h.hlc)).toEqual(hlcs.map((h) => h.hlc).sort());
    // FTS5 settings are back to the defaults afterwards.
    const config = bulk.db
      .prepare<[], { v: unknown }>("SELECT v FROM crm_search_names_config WHERE k = 'hashsize'")
      .all();
    expect(config.map((c) => Number(c.v))).toEqual([1024 * 1024]);
  });

  it('rolls back entirely when a row fails half-way', async () => {
    const f = await createCrmFixture();
    const svc = new CrmService(f.db, Date.now);
    f.db.exec(
      "CREATE TEMP TRIGGER fail_plain BEFORE INSERT ON crm_contacts WHEN new.name = 'Plain' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    const before = footprint(f.db);
    expect(() => svc.createMany(contactDef, INPUTS, () => undefined, 2)).toThrow();
    expect(footprint(f.db)).toEqual(before);
  });

  it('raises the page cache only while an import runs, and restores it even when the import fails', async () => {
    const f = await createCrmFixture();
    const size = () => f.db.pragma('cache_size', { simple: true }) as number;
    const before = size();
    expect(await f.ok('import.commit', { csv: 'Name\nAnn\n' })).toMatchObject({ created: 1 });
    expect(size()).toBe(before);
    const svc = new CrmService(f.db, Date.now);
    expect(() =>
      svc.records.withCacheSize(1_000_000, () => {
        expect(size()).toBe(-1_000_000);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(size()).toBe(before);
  });
});
