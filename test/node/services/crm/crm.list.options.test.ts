import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { MAX_LIST_OFFSET } from '../../../../shared/ipc/channels/crm.channels';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

/** A fixture whose clock the test sets, so updatedAt values are known. */
async function clocked(): Promise<{ f: CrmFixture; at: (ms: number) => void }> {
  let now = 1_000;
  return { f: await createCrmFixture({ now: () => now }), at: (ms) => (now = ms) };
}

describe('list filters requested by the renderer', () => {
  it('accounts.list and contacts.list filter by updatedAfter (inclusive) and updatedBefore (exclusive)', async () => {
    const { f, at } = await clocked();
    const ids: Record<string, string> = {};
    for (const [name, t] of [
      ['A', 1_000_000],
      ['B', 2_000_000],
      ['C', 3_000_000],
    ] as const) {
      at(t);
      ids[`a${name}`] = (await f.ok('accounts.create', { name })).id;
      ids[`c${name}`] = (await f.ok('contacts.create', { name })).id;
    }
    const names = async (channel: 'accounts.list' | 'contacts.list', filter: Record<string, number>) =>
      (await f.ok(channel, { filter })).items.map((r) => r.name);
    for (const channel of ['accounts.list', 'contacts.list'] as const) {
      expect(await names(channel, { updatedAfter: 2_000_000 })).toEqual(['B', 'C']);
      expect(await names(channel, { updatedBefore: 2_000_000 })).toEqual(['A']);
      expect(await names(channel, { updatedAfter: 1_500_000, updatedBefore: 3_000_000 })).toEqual(['B']);
    }
    // An update moves a record into a later window.
    at(4_000_000);
    await f.ok('contacts.update', { id: ids.cA, patch: { title: 'Buyer' } });
    expect(await names('contacts.list', { updatedAfter: 3_500_000 })).toEqual(['A']);
    expect(await f.call('contacts.list', { filter: { updatedAfter: -1 } })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('deals.list filters by expectedCloseAfter (inclusive) and expectedCloseBefore (exclusive)', async () => {
    const f = await createCrmFixture();
    for (const [name, date] of [
      ['Jan', '2026-01-15'],
      ['Feb', '2026-02-01'],
      ['Mar', '2026-03-31'],
      ['None', null],
    ] as const) {
      await f.ok('deals.create', {
        name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        expectedCloseDate: date,
      });
    }
    const names = async (filter: Record<string, string>) =>
      (await f.ok('deals.list', { filter, sort: { field: 'name', dir: 'asc' } })).items.map((d) => d.name);
    expect(await names({ expectedCloseAfter: '2026-02-01' })).toEqual(['Feb', 'Mar']);
    expect(await names({ expectedCloseBefore: '2026-02-01' })).toEqual(['Jan']);
    expect(await names({ expectedCloseAfter: '2026-01-16', expectedCloseBefore: '2026-12-31' })).toEqual([
      'Feb',
      'Mar',
    ]);
    expect(await f.call('deals.list', { filter: { expectedCloseAfter: '2026-13-01' } })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });
});

describe('count: false and offset', () => {
  it('skips the count on request and jumps with a bounded offset that the cursor continues from', async () => {
    const f = await createCrmFixture();
    for (let i = 0; i < 12; i++) await f.ok('contacts.create', { name: `P${String(i).padStart(2, '0')}` });
    const all = (await f.ok('contacts.list', { limit: 200 })).items.map((c) => c.name);
    const counted = await f.ok('contacts.list', { limit: 5 });
    expect(counted).toMatchObject({ total: 12, totalExact: true });
    const uncounted = await f.ok('contacts.list', { limit: 5, count: false });
    expect(uncounted.items).toEqual(counted.items);
    expect(uncounted).toMatchObject({ total: 6, totalExact: false });
    const jumped = await f.ok('contacts.list', { limit: 4, offset: 7 });
    expect(jumped.items.map((c) => c.name)).toEqual(all.slice(7, 11));
    expect(jumped.total).toBe(12);
    const rest = await f.ok('contacts.list', { limit: 4, cursor: jumped.nextCursor });
    expect(rest.items.map((c) => c.name)).toEqual(all.slice(11));
    expect(rest.nextCursor).toBeNull();
    const past = await f.ok('contacts.list', { offset: 50, count: false });
    expect(past).toMatchObject({ items: [], nextCursor: null, total: 50, totalExact: false });
    for (const bad of [
      { offset: 2, cursor: counted.nextCursor },
      { offset: MAX_LIST_OFFSET + 1 },
      { offset: -1 },
      { count: 'no' },
    ]) {
      expect(await f.call('contacts.list', bad)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('property: any filter window, offset and limit give the model’s slice, counted or not', async () => {
    const f = await createCrmFixture({ now: () => 0 });
    // Deals with known close dates; names make the sort total.
    const dates = Array.from({ length: 20 }, (_, i) =>
      i % 5 === 4
        ? null
        : `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    );
    for (let i = 0; i < dates.length; i++) {
      await f.ok('deals.create', {
        name: `D${String(i).padStart(2, '0')}`,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        expectedCloseDate: dates[i],
      });
    }
    const day = fc
      .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
      .map(([m, d]) => `2026-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    await fc.assert(
      fc.asyncProperty(
        fc.option(day, { nil: undefined }),
        fc.option(day, { nil: undefined }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.constantFrom('asc', 'desc'),
        async (after, before, offset, limit, count, dir) => {
          const model = dates
            .map((d, i) => ({ d, name: `D${String(i).padStart(2, '0')}` }))
            .filter(
              (x) =>
                (!after && !before) ||
                (x.d !== null && (!after || x.d >= after) && (!before || x.d < before)),
            )
            .map((x) => x.name)
            .sort();
          if (dir === 'desc') model.reverse();
          const filter = {
            ...(after ? { expectedCloseAfter: after } : {}),
            ...(before ? { expectedCloseBefore: before } : {}),
          };
          const page = await f.ok('deals.list', {
            filter,
            offset,
            limit,
            count,
            sort: { field: 'name', dir },
          });
          expect(page.items.map((d) => d.name)).toEqual(model.slice(offset, offset + limit));
          expect(page.nextCursor !== null).toBe(model.length > offset + limit);
          if (count) expect(page).toMatchObject({ total: model.length, totalExact: true });
          else {
            expect(page.totalExact).toBe(false);
            expect(page.total).toBeLessThanOrEqual(Math.max(model.length, offset));
            expect(page.total).toBeGreaterThanOrEqual(Math.min(model.length, offset + page.items.length));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names sort without regard to case, and cursor pages walk that order with equal names kept apart', async () => {
    const f = await createCrmFixture();
    const names = ['Zeta Corp', 'acme gmbh', 'Bravo AG', 'ACME GMBH', 'bravo ag', 'Acme GmbH', 'delta'];
    for (const name of names) await f.ok('accounts.create', { name });
    const lower = (n: string) => n.toLowerCase();
    for (const dir of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.ok('accounts.list', {
          limit: 2,
          sort: { field: 'name', dir },
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((a) => a.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.map(lower)).toEqual(names.map(lower).sort()[dir === 'asc' ? 'slice' : 'reverse']());
      expect([...seen].sort()).toEqual([...names].sort());
    }
    // The list walks the (name COLLATE NOCASE, id) index instead of sorting every row.
    const plan = f.db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT id FROM crm_accounts WHERE +deleted_at IS NULL ORDER BY name COLLATE NOCASE, id LIMIT 3',
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('crm_accounts_name');
    expect(plan.map((p) => p.detail).join(' ')).not.toContain('TEMP B-TREE');
  });
});
