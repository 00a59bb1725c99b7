import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { tempDir } from '../../support/tmp';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

let f: CrmFixture;
let dir = '';
const ids: Record<string, string> = {};

beforeAll(async () => {
  // One vault for the whole file (tempDir belongs to a single test).
  dir = mkdtempSync(path.join(tmpdir(), 'fv-cfch-'));
  f = await createCrmFixture({ dir });
  const def = async (key: string, input: Record<string, unknown>) => {
    ids[key] = (await f.ok('customFields.create', input)).id;
  };
  await def('hobby', { entity: 'contact', kind: 'text', label: 'Hobby' });
  await def('score', { entity: 'contact', kind: 'number', label: 'Score' });
  await def('born', { entity: 'contact', kind: 'date', label: 'Birthday' });
  await def('vip', { entity: 'contact', kind: 'checkbox', label: 'VIP' });
  await def('region', {
    entity: 'contact',
    kind: 'select',
    label: '区域',
    options: [
      { id: 'n', label: '北方', archived: false },
      { id: 's', label: '南方', archived: false },
    ],
  });
  await def('langs', {
    entity: 'contact',
    kind: 'multiSelect',
    label: 'Languages',
    options: [
      { id: 'en', label: 'English', archived: false },
      { id: 'zh', label: '中文', archived: false },
      { id: 'de', label: 'Deutsch', archived: false },
    ],
  });
  await def('budget', { entity: 'deal', kind: 'money', label: 'Budget' });
  const c = (name: string, custom: Record<string, unknown>) => f.ok('contacts.create', { name, custom });
  await c('张伟', {
    [ids.hobby!]: 'Tea ceremonies 茶道',
    [ids.score!]: 7,
    [ids.born!]: '1990-05-01',
    [ids.vip!]: true,
    [ids.region!]: 'n',
    [ids.langs!]: ['zh', 'en'],
  });
  await c('Ann Lee', {
    [ids.hobby!]: 'sailing',
    [ids.score!]: 3.5,
    [ids.region!]: 's',
    [ids.langs!]: ['de'],
  });
  await c('Bo', {});
  await f.ok('deals.create', {
    name: 'Big',
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'lead',
    custom: { [ids.budget!]: 500_000 },
  });
  await f.ok('deals.create', { name: 'Small', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead' });
}, 60_000);

afterAll(async () => {
  await f.services.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function names(filter: unknown[]): Promise<string[]> {
  const page = await f.ok('contacts.list', {
    filter: { custom: filter },
    sort: { field: 'name', dir: 'asc' },
  });
  return page.items.map((x) => x.name);
}

describe('custom fields over the channels', () => {
  it('lists definitions in display order, new ones after the last of their entity', async () => {
    const page = await f.ok('customFields.list', { filter: { entity: 'contact' } });
    expect(page.items.map((d) => d.label)).toEqual([
      'Hobby',
      'Score',
      'Birthday',
      'VIP',
      '区域',
      'Languages',
    ]);
    expect(page.items.map((d) => d.position)).toEqual([0, 1, 2, 3, 4, 5]);
    const budget = await f.ok('customFields.get', { id: ids.budget });
    expect(budget).toMatchObject({ kind: 'money', currency: 'EUR', position: 0, archived: false });
  });

  it('filters lists per kind: contains, =, range, any-of, checked', async () => {
    expect(await names([{ op: 'contains', field: ids.hobby, value: 'TEA' }])).toEqual(['张伟']);
    expect(await names([{ op: 'contains', field: ids.hobby, value: '茶' }])).toEqual(['张伟']);
    expect(await names([{ op: 'eq', field: ids.score, value: 3.5 }])).toEqual(['Ann Lee']);
    expect(await names([{ op: 'range', field: ids.score, min: 3 }])).toEqual(['Ann Lee', '张伟']);
    expect(await names([{ op: 'range', field: ids.score, min: 3, max: 5 }])).toEqual(['Ann Lee']);
    expect(await names([{ op: 'range', field: ids.born, max: '1999-12-31' }])).toEqual(['张伟']);
    expect(await names([{ op: 'anyOf', field: ids.region, values: ['s'] }])).toEqual(['Ann Lee']);
    expect(await names([{ op: 'anyOf', field: ids.langs, values: ['en', 'de'] }])).toEqual([
      'Ann Lee',
      '张伟',
    ]);
    expect(await names([{ op: 'checked', field: ids.vip, value: true }])).toEqual(['张伟']);
    expect(await names([{ op: 'checked', field: ids.vip, value: false }])).toEqual(['Ann Lee', 'Bo']);
    // Conditions combine (all must hold), and the total counts the filtered rows.
    const page = await f.ok('contacts.list', {
      filter: {
        custom: [
          { op: 'anyOf', field: ids.langs, values: ['zh', 'de'] },
          { op: 'range', field: ids.score, max: 5 },
        ],
      },
    });
    expect(page.items.map((x) => x.name)).toEqual(['Ann Lee']);
    expect(page.total).toBe(1);
    const deals = await f.ok('deals.list', {
      filter: { custom: [{ op: 'range', field: ids.budget, min: 100_000 }] },
    });
    expect(deals.items.map((d) => d.name)).toEqual(['Big']);
  });

  it('refuses malformed filters with VALIDATION and a path-injection attempt matches nothing', async () => {
    const bad = await f.call('contacts.list', {
      filter: { custom: [{ op: 'like', field: ids.hobby, value: 'x' }] },
    });
    expect(bad.ok ? null : bad.error.code).toBe('VALIDATION');
    const inject = await f.call('contacts.list', {
      filter: { custom: [{ op: 'eq', field: `${ids.hobby}"') OR 1=1 --`, value: 'x' }] },
    });
    expect(inject.ok ? null : inject.error.code).toBe('VALIDATION');
    expect(await names([{ op: 'eq', field: '0190a000-0000-7000-8000-00000000dead', value: 'x' }])).toEqual(
      [],
    );
  });

  it('finds records by their text custom values in full-text search', async () => {
    const res = await f.ok('search.query', { q: 'sailing' });
    expect(res.hits.map((h) => h.entity)).toEqual(['contact']);
  });

  it("a merge fills the kept record's empty custom fields from the other one", async () => {
    const kept = await f.ok('contacts.create', { name: 'Dee', custom: { [ids.hobby!]: 'kept hobby' } });
    const other = await f.ok('contacts.create', {
      name: 'Dee 2',
      custom: { [ids.hobby!]: 'other hobby', [ids.score!]: 11 },
    });
    await f.ok('records.merge', { entity: 'contact', intoId: kept.id, fromId: other.id, take: [] });
    expect((await f.ok('contacts.get', { id: kept.id })).custom).toEqual({
      [ids.hobby!]: 'kept hobby',
      [ids.score!]: 11,
    });
    const third = await f.ok('contacts.create', { name: 'Dee 3', custom: { [ids.hobby!]: 'taken' } });
    await f.ok('records.merge', { entity: 'contact', intoId: kept.id, fromId: third.id, take: ['custom'] });
    expect((await f.ok('contacts.get', { id: kept.id })).custom[ids.hobby!]).toBe('taken');
  });

  it('refuses a value outside the options, an archived field and a kind change', async () => {
    const c = await f.ok('contacts.create', { name: 'Cy' });
    const r1 = await f.call('contacts.update', { id: c.id, patch: { custom: { [ids.region!]: 'w' } } });
    expect(r1.ok ? null : r1.error.code).toBe('VALIDATION');
    const r2 = await f.call('customFields.update', { id: ids.region, patch: { kind: 'text' } });
    expect(r2.ok ? null : r2.error.code).toBe('VALIDATION');
    await f.ok('customFields.update', { id: ids.vip, patch: { archived: true } });
    const r3 = await f.call('contacts.update', { id: c.id, patch: { custom: { [ids.vip!]: true } } });
    expect(r3.ok ? null : r3.error.code).toBe('VALIDATION');
    // The archived field's stored values stay readable.
    const zw = (
      await f.ok('contacts.list', { filter: { custom: [{ op: 'checked', field: ids.vip, value: true }] } })
    ).items[0];
    expect(zw?.custom[ids.vip!]).toBe(true);
    const r4 = await f.call('customFields.create', {
      entity: 'contact',
      kind: 'text',
      label: 'X',
      options: [{ id: 'a', label: 'A', archived: false }],
    });
    expect(r4.ok ? null : r4.error.code).toBe('VALIDATION');
    const r5 = await f.call('customFields.create', { entity: 'contact', kind: 'number', label: ' hobby ' });
    expect(r5.ok ? null : r5.error.code).toBe('VALIDATION');
    // The same name on another entity is fine.
    expect((await f.call('customFields.create', { entity: 'deal', kind: 'text', label: 'Hobby' })).ok).toBe(
      true,
    );
  });
});

describe('crm migration 9', () => {
  it('adds the definitions table and an empty custom object to existing rows', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [{ domain: 'crm', migrations: crmMigrations.migrations.slice(0, 8) }]);
    db.prepare(
      `INSERT INTO crm_contacts (id, name, consent, created_at, updated_at, created_by, updated_by)
       VALUES ('0190a000-0000-7000-8000-000000000001', 'Old', '{}', 1, 1, 'd', 'd')`,
    ).run();
    migrate(db, [{ domain: 'crm', migrations: crmMigrations.migrations.slice(0, 9) }]);
    expect(db.prepare('SELECT custom FROM crm_contacts').get()).toEqual({ custom: '{}' });
    expect(db.prepare('SELECT count(*) AS n FROM crm_custom_fields').get()).toEqual({ n: 0 });
    db.close();
  });
});
