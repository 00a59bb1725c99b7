import { randomBytes } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import { contactDef, DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { OpLogRepository } from '../../../../electron/services/crm/oplog.repository';
import { ReportingDerivedRepository } from '../../../../electron/services/crm/reporting.derived.repository';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import { exportPerson } from '../../../../electron/services/crm/privacy.service';
import { recordTimeline } from '../../../../electron/services/crm/timeline.service';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { formatHlc } from '../../../../shared/domain/hlc';
import { tempDir } from '../../support/tmp';
import { createCrmFixture } from './support/crm.fixture';

const IDS = ['0190a0b0-0000-7000-8000-000000000001', '0190a0b0-0000-7000-8000-000000000002'];
const DEVICES = ['devAAAAAAAAA', 'devBBBBBBBBB'];
const WALL = 1_800_000_000_000;

function open(dir: string, name: string, version?: number): Db {
  const db = openEncryptedDatabase(path.join(dir, `${name}.db`), randomBytes(32));
  const set =
    version === undefined
      ? crmMigrations
      : { ...crmMigrations, migrations: crmMigrations.migrations.slice(0, version) };
  migrate(db, [set]);
  return db;
}

function json(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** What every reader of op-log values sees for one record, and the record row. */
function readers(crm: CrmService, id: string): unknown {
  const record = crm.records.get(contactDef, id);
  if (!record) return null;
  const rows = crm.oplog.forRecord(id).map((r) => [r.hlc, r.syncState, r.fields && json(r.fields)]);
  const timeline =
    record.deletedAt === null
      ? recordTimeline(crm, 'contact', id, 100, null).items.map((it) =>
          it.type === 'change'
            ? { hlc: it.hlc, fields: [...it.fields].sort(), changes: sortBy(it.changes) }
            : it,
        )
      : null;
  const exported: readonly { field: string }[] | null =
    record.deletedAt === null ? exportPerson(crm, id, 0).history : null;
  const history = exported && sortBy(exported);
  return { record, rows: rows.map(([h, s, f]) => [h, s, sortKeys(f)]), timeline, history };
}

function sortBy<T extends { field: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

function sortKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function settled(crm: CrmService): unknown[] {
  return [...crm.oplog.settledByRecord()].map(([op, e, r, h, f]) => [op, e, r, h, sortKeys(json(f))]);
}

function storedBytes(db: Db): number {
  return db.prepare<[], { n: number }>('SELECT coalesce(sum(length(fields)), 0) AS n FROM crm_oplog').get()!
    .n;
}

type Step =
  | {
      kind: 'write';
      origin: 'local' | 'remote';
      rec: number;
      wall: number;
      dev: number;
      values: Record<string, unknown>;
    }
  | { kind: 'push' };

const value = {
  name: fc.constantFrom('Ada', 'Bo', 'Zoë', '张伟'),
  title: fc.option(fc.constantFrom('CEO', 'CTO'), { nil: null }),
  tags: fc.constantFrom([], ['a'], ['a', 'b']),
  notes: fc.constantFrom('', 'met at the fair', 'called back'),
  deletedAt: fc.constantFrom(null, WALL),
};
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    origin: fc.constantFrom('local' as const, 'remote' as const),
    rec: fc.integer({ min: 0, max: 1 }),
    wall: fc.integer({ min: 0, max: 30 }),
    dev: fc.integer({ min: 0, max: 1 }),
    values: fc.record(value, { requiredKeys: [] }),
  }),
  fc.constant({ kind: 'push' as const }),
  // An erasure (as privacy.erasePerson writes one): blank values, tombstone, older values dropped.
  fc.record({
    kind: fc.constant('write' as const),
    origin: fc.constantFrom('local' as const, 'remote' as const),
    rec: fc.integer({ min: 0, max: 1 }),
    wall: fc.integer({ min: 0, max: 30 }),
    dev: fc.integer({ min: 0, max: 1 }),
    values: fc.constant({ name: '', title: null, tags: [], notes: '', deletedAt: WALL, erasedAt: WALL }),
  }),
);

function change(s: Extract<Step, { kind: 'write' }>, n: number): Change {
  const deviceId = DEVICES[s.dev]!;
  const hlc = formatHlc({ wall: WALL + s.wall, counter: n, deviceId });
  return {
    opId: `0190a0b0-0000-7000-9000-${String(n).padStart(12, '0')}`,
    entity: 'contact',
    recordId: IDS[s.rec]!,
    hlc,
    deviceId,
    fields: JSON.stringify(s.values),
  };
}

describe('op log compaction (values stored once, crm migration 14)', () => {
  it('changes nothing any reader sees, now or after later changes in any HLC order (property)', () => {
    let elided = 0;
    let erased = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 24 }), (steps) => {
        const dir = tempDir('fv-compact-');
        // `plain` marks rows pushed and applies remote ones without compacting: today's layout, the reference.
        const dbs = [open(dir, 'compacted'), open(dir, 'plain')];
        const [compacted, plain] = dbs.map((db) => new CrmService(db, () => WALL)) as [
          CrmService,
          CrmService,
        ];
        plain.writer.compactApplied = false;
        try {
          steps.forEach((s, n) => {
            if (s.kind === 'push') {
              compacted.tx(() =>
                compacted.oplog.markPushed(
                  compacted.oplog.pending(1000).map((r) => r.seq),
                  1,
                ),
              );
              plain.db
                .prepare("UPDATE crm_oplog SET sync_state = 'pushed' WHERE sync_state = 'pending'")
                .run();
              return;
            }
            if (s.origin === 'local' && Object.keys(s.values).length === 0) return;
            const results = [compacted, plain].map((crm) => crm.writer.apply([change(s, n)], s.origin));
            expect(results[0]!.conflicts).toEqual(results[1]!.conflicts);
            for (const id of IDS) expect(readers(compacted, id)).toEqual(readers(plain, id));
            expect(settled(compacted)).toEqual(settled(plain));
          });
          expect(storedBytes(compacted.db)).toBeLessThanOrEqual(storedBytes(plain.db));
          elided += compacted.db
            .prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_oplog WHERE elided IS NOT NULL')
            .get()!.n;
          erased += compacted.db
            .prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_oplog WHERE fields IS NULL')
            .get()!.n;
        } finally {
          for (const db of dbs) db.close();
        }
      }),
      { numRuns: 50 },
    );
    // The runs did compact (and put values back): the equality above is not vacuous.
    expect(elided).toBeGreaterThan(0);
    expect(erased).toBeGreaterThan(0);
  });

  it('a pushed create drops the values its record holds; an edit after it keeps its old value for history', () => {
    const db = open(tempDir('fv-compact-'), 'v');
    const crm = new CrmService(db, () => WALL);
    const c = crm.create(contactDef, {
      name: 'Ada Lovelace',
      title: 'Countess',
      notes: 'wrote the first program',
    });
    const before = storedBytes(db);
    crm.tx(() =>
      crm.oplog.markPushed(
        crm.oplog.pending(10).map((r) => r.seq),
        1,
      ),
    );
    const row = db
      .prepare<[], { fields: string; elided: string }>('SELECT fields, elided FROM crm_oplog')
      .get()!;
    expect(json(row.fields)).toEqual({});
    expect((json(row.elided) as string[]).sort()).toEqual(['name', 'notes', 'title']);
    expect(storedBytes(db)).toBeLessThan(before);
    crm.update(contactDef, c.id, { title: 'Analyst' });
    // The create row keeps the title it wrote again: the edit's history row shows Countess -> Analyst.
    const first = db
      .prepare<[], { fields: string; elided: string }>('SELECT fields, elided FROM crm_oplog ORDER BY seq')
      .get()!;
    expect(json(first.fields)).toEqual({ title: 'Countess' });
    const edit = recordTimeline(crm, 'contact', c.id, 10, null).items.find(
      (it) => it.type === 'change' && it.fields.includes('title') && it.fields.length === 1,
    );
    expect(edit?.type === 'change' ? edit.changes : null).toEqual([
      { field: 'title', before: 'Countess', after: 'Analyst' },
    ]);
    db.close();
  });

  it('custom field values and a deal stage and status stay in the op log: the row folds the one, the reports replay the other', async () => {
    const f = await createCrmFixture();
    const cf = await f.ok('customFields.create', { entity: 'contact', kind: 'text', label: 'Hobby' });
    const c = await f.ok('contacts.create', { name: 'Ada', custom: { [cf.id]: 'chess' } });
    const d = await f.ok('deals.create', {
      name: 'Big',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      amountMinor: 5,
    });
    await f.ok('deals.update', { id: d.id, patch: { status: 'won' } });
    const stints = () => f.db.prepare('SELECT * FROM crm_deal_stage_history ORDER BY deal_id, seq').all();
    const before = stints();
    const oplog = new OpLogRepository(f.db);
    f.db.transaction(() =>
      oplog.markPushed(
        oplog.pending(100).map((r) => r.seq),
        1,
      ),
    )();
    const stored = (id: string) =>
      f.db
        .prepare<[string], { fields: string }>(
          'SELECT fields FROM crm_oplog WHERE record_id = ? ORDER BY seq',
        )
        .all(id)
        .map((r) => Object.keys(json(r.fields) as object).sort());
    expect(stored(c.id)).toEqual([[`cf:${cf.id}`]]);
    expect(stored(d.id)).toEqual([['stageId'], ['status']]);
    new ReportingDerivedRepository(f.db).rebuild();
    expect(stints()).toEqual(before);
    await f.services.dispose();
  });

  it('v14 compacts the settled rows an existing vault holds and leaves pending and overwritten values', () => {
    const db = open(tempDir('fv-compact-'), 'v', 13);
    const id = IDS[0]!;
    const hlc = (wall: number) => formatHlc({ wall: WALL + wall, counter: 0, deviceId: DEVICES[0]! });
    db.prepare(
      `INSERT INTO crm_contacts (id, name, title, consent, notes, created_at, updated_at, created_by, updated_by)
       VALUES (?, 'Bo', 'CTO', '{"marketingOptIn":false,"recordedAt":null,"source":null}', 'met', ?, ?, ?, ?)`,
    ).run(id, WALL, WALL + 2, DEVICES[0]!, DEVICES[0]!);
    const op = db.prepare(
      `INSERT INTO crm_oplog (op_id, entity, record_id, hlc, device_id, fields, sync_state) VALUES (?, 'contact', ?, ?, ?, ?, ?)`,
    );
    op.run('op-1', id, hlc(0), DEVICES[0]!, '{"name":"Ada","title":"CEO","notes":"met"}', 'pushed');
    op.run('op-2', id, hlc(1), DEVICES[0]!, '{"name":"Bo"}', 'applied');
    op.run('op-3', id, hlc(2), DEVICES[0]!, '{"title":"CTO"}', 'pending');
    const to14 = { domain: 'crm', migrations: crmMigrations.migrations.slice(0, 14) };
    expect(migrate(db, [to14])).toEqual({ crm: 14 });
    const rows = db
      .prepare<[], { fields: string; elided: string | null }>(
        'SELECT fields, elided FROM crm_oplog ORDER BY seq',
      )
      .all()
      .map((r) => [json(r.fields), r.elided && json(r.elided)]);
    expect(rows).toEqual([
      [{ name: 'Ada', title: 'CEO' }, ['notes']],
      [{}, ['name']],
      [{ title: 'CTO' }, null],
    ]);
    const crm = new CrmService(db, () => WALL + 10);
    expect(crm.oplog.forRecord(id).map((r) => json(r.fields!))).toEqual([
      { name: 'Ada', title: 'CEO', notes: 'met' },
      { name: 'Bo' },
      { title: 'CTO' },
    ]);
    db.close();
  });
});
