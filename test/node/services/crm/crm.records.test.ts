import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { createCrmFixture } from './support/crm.fixture';

describe('crm records through the router', () => {
  it('creates, reads, patches and soft-deletes a contact', async () => {
    const f = await createCrmFixture();
    const account = await f.ok('accounts.create', { name: 'Initech', tags: ['vip'] });
    const c = await f.ok('contacts.create', {
      name: '张伟',
      familyName: '张',
      givenName: '伟',
      accountId: account.id,
      emails: ['Zhang.Wei@Example.CN'],
      phones: ['+86 190 3806 8155'],
      consent: { marketingOptIn: true, recordedAt: 1_700_000_000_000, source: 'trade fair' },
    });
    expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(c.emails).toEqual(['zhang.wei@example.cn']);
    expect(c.deletedAt).toBeNull();
    const patched = await f.ok('contacts.update', { id: c.id, patch: { title: 'CTO', givenName: null } });
    expect(patched).toMatchObject({ title: 'CTO', givenName: null, name: '张伟', familyName: '张' });
    expect(patched.updatedAt).toBeGreaterThanOrEqual(c.updatedAt);
    expect(await f.ok('contacts.get', { id: c.id })).toEqual(patched);
    const del = await f.ok('contacts.delete', { id: c.id });
    expect(del.id).toBe(c.id);
    expect(await f.call('contacts.get', { id: c.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const row = f.db.prepare('SELECT deleted_at FROM crm_contacts WHERE id = ?').get(c.id) as {
      deleted_at: number;
    };
    expect(row.deleted_at).toBe(del.deletedAt);
    const withDeleted = await f.ok('contacts.list', { includeDeleted: true });
    expect(withDeleted.total).toBe(1);
    expect((await f.ok('contacts.list', {})).total).toBe(0);
  });

  it('rejects references to missing records with NOT_FOUND and unknown fields with VALIDATION', async () => {
    const f = await createCrmFixture();
    const missing = '01900000-0000-7000-8000-000000000000';
    expect(await f.call('contacts.create', { name: 'A', accountId: missing })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await f.call('contacts.create', { name: 'A', bogus: 1 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(
      await f.call('deals.create', { name: 'D', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'nope' }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('lists with filters, sort, keyset pages and a total; pages stay stable under concurrent inserts', async () => {
    const f = await createCrmFixture();
    const names = Array.from({ length: 25 }, (_, i) => `Name ${String(i).padStart(2, '0')}`);
    for (const name of names)
      await f.ok('contacts.create', { name, tags: name.endsWith('0') ? ['ten'] : [] });
    const seen: string[] = [];
    let cursor: string | undefined;
    let first = true;
    do {
      const page = await f.ok('contacts.list', { sort: { field: 'name', dir: 'asc' }, limit: 7, cursor });
      seen.push(...page.items.map((c) => c.name));
      cursor = page.nextCursor ?? undefined;
      if (first) {
        expect(page.total).toBe(25);
        // Inserted before and after the cursor while paging: never duplicates or skips existing rows.
        await f.ok('contacts.create', { name: 'Name 00a' });
        await f.ok('contacts.create', { name: 'AAA first' });
        first = false;
      } else {
        // The total follows the inserts (it is cached only while nothing changed).
        expect(page.total).toBe(27);
      }
    } while (cursor);
    expect(seen.filter((n) => names.includes(n))).toEqual(names);
    expect(new Set(seen).size).toBe(seen.length);
    const tagged = await f.ok('contacts.list', { filter: { tag: 'ten' } });
    expect(tagged.items.map((c) => c.name).sort()).toEqual(['Name 00', 'Name 10', 'Name 20']);
    expect(await f.call('contacts.list', { cursor: 'garbage' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('keeps money as integer minor units and moves deals between stages by position', async () => {
    const f = await createCrmFixture();
    const pipelines = await f.ok('pipelines.list', undefined);
    expect(pipelines.items[0]!.id).toBe(DEFAULT_PIPELINE_ID);
    expect(pipelines.items[0]!.stages.map((s) => s.id)).toEqual([
      'lead',
      'qualified',
      'proposal',
      'negotiation',
      'closing',
    ]);
    const mk = (name: string) =>
      f.ok('deals.create', {
        name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        amountMinor: 123_45,
        currency: 'CNY',
      });
    const a = await mk('A');
    const b = await mk('B');
    const c = await mk('C');
    expect(
      await f.call('deals.create', {
        name: 'x',
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        amountMinor: 1.5,
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const order = async (stageId: string) =>
      (
        await f.ok('deals.list', {
          filter: { pipelineId: DEFAULT_PIPELINE_ID, stageId },
          sort: { field: 'position', dir: 'asc' },
        })
      ).items.map((d) => d.name);
    expect(await order('lead')).toEqual(['A', 'B', 'C']);
    await f.ok('deals.move', { id: c.id, stageId: 'lead', index: 0 });
    expect(await order('lead')).toEqual(['C', 'A', 'B']);
    await f.ok('deals.move', { id: a.id, stageId: 'proposal', index: 5 });
    await f.ok('deals.move', { id: b.id, stageId: 'proposal', index: 0 });
    expect(await order('proposal')).toEqual(['B', 'A']);
    expect(await order('lead')).toEqual(['C']);
    expect(await f.call('deals.move', { id: a.id, stageId: 'nope', index: 0 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await f.call('pipelines.delete', { id: DEFAULT_PIPELINE_ID })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(
      await f.call('pipelines.update', {
        id: DEFAULT_PIPELINE_ID,
        patch: { stages: [{ id: 'lead', name: 'Lead', probability: 5 }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('builds a timeline of activities, tasks and changes, newest first, in pages', async () => {
    let t = 1_750_000_000_000;
    const f = await createCrmFixture({ now: () => (t += 1000) });
    const c = await f.ok('contacts.create', { name: 'Timeline Person' });
    await f.ok('activities.create', { kind: 'call', occurredAt: t + 500, contactId: c.id, body: 'called' });
    await f.ok('tasks.create', { title: 'follow up', contactId: c.id });
    await f.ok('contacts.update', { id: c.id, patch: { title: 'Boss' } });
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.ok('timeline.get', { entity: 'contact', id: c.id, limit: 2, cursor });
      all.push(...page.items.map((i) => (i.type === 'change' ? `change:${i.fields.join('+')}` : i.type)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all).toEqual(['change:title', 'task', 'activity', 'change:name']);
  });

  it('reports VAULT_LOCKED after the vault locks and works again after unlock', async () => {
    const f = await createCrmFixture();
    await f.ok('accounts.create', { name: 'Before lock' });
    await f.ok('vault.lock', undefined);
    expect(await f.call('accounts.list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
    await f.ok('vault.unlock', undefined);
    expect((await f.ok('accounts.list', {})).total).toBe(1);
  });
});
