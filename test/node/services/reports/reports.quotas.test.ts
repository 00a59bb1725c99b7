import { afterEach, describe, expect, it } from 'vitest';
import type { EntityKind } from '../../../../shared/domain/crm.schemas';
import { parseHlc } from '../../../../shared/domain/hlc';
import type { DashboardQuery } from '../../../../shared/reports/dashboard.contract';
import { createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';
import { Q4, T0 } from './support/queries';

const fixtures: CrmFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.services.dispose();
});

async function device(now: () => number): Promise<CrmFixture> {
  const f = await createCrmFixture({ now });
  fixtures.push(f);
  // Every dashboard below reports in EUR.
  await f.ok('exchangeRates.create', {
    base: 'EUR',
    currency: 'USD',
    effectiveFrom: '2026-01-01',
    perUnit: 0.9,
  });
  return f;
}

/** Hands `from`'s ops of one entity to `to`'s writer, as a sync pull delivers them. */
function deliver(from: CrmFixture, to: CrmFixture, entity: EntityKind): void {
  const rows = from.db
    .prepare<[string], { op_id: string; record_id: string; hlc: string; fields: string }>(
      'SELECT op_id, record_id, hlc, fields FROM crm_oplog WHERE entity = ? ORDER BY hlc',
    )
    .all(entity);
  const result = to.services.parts.crm().writer.apply(
    rows.map((r) => ({
      opId: r.op_id,
      entity,
      recordId: r.record_id,
      hlc: r.hlc,
      deviceId: parseHlc(r.hlc)!.deviceId,
      fields: r.fields,
    })),
    'remote',
  );
  expect(result.rejected).toEqual([]);
}

const novemberQuota = async (f: CrmFixture, query: DashboardQuery = Q4) =>
  (await f.ok('reports.dashboard', query)).forecast.find((m) => m.month === '2026-11')?.quotaMinor;

describe('quotas and rates: one entry counts per key', () => {
  it("entering a member's quota for a month again changes it instead of adding a second one", async () => {
    const f = await device(() => T0);
    const first = await f.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 10_000_000,
      currency: 'EUR',
    });
    const again = await f.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 12_000_000,
      currency: 'EUR',
    });
    expect(again.id).toBe(first.id);
    expect((await f.ok('quotas.list', { limit: 200 })).items).toHaveLength(1);
    expect(await novemberQuota(f)).toBe(12_000_000);
    // Another month or another member is its own quota.
    await f.ok('quotas.create', { memberId: 'li', month: '2026-12', amountMinor: 1, currency: 'EUR' });
    await f.ok('quotas.create', { memberId: 'sam', month: '2026-11', amountMinor: 2, currency: 'EUR' });
    expect((await f.ok('quotas.list', { limit: 200 })).items).toHaveLength(3);
    expect(await novemberQuota(f)).toBe(12_000_002);

    // A rate entered again for the same pair and day replaces the day's rate.
    const rate = await f.ok('exchangeRates.create', {
      base: 'EUR',
      currency: 'USD',
      effectiveFrom: '2026-01-01',
      perUnit: 0.8,
    });
    const rates = (await f.ok('exchangeRates.list', { limit: 200 })).items;
    expect(rates.map((r) => [r.id, r.perUnit])).toEqual([[rate.id, 0.8]]);
  });

  it('two managers entering the same quota offline: after sync both dashboards count the later one, once', async () => {
    let now = T0;
    const a = await device(() => now);
    const b = await device(() => now);
    await a.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 10_000_000,
      currency: 'EUR',
    });
    now += 60_000;
    await b.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 11_000_000,
      currency: 'EUR',
    });
    deliver(a, b, 'quota');
    deliver(b, a, 'quota');
    for (const f of [a, b]) {
      expect((await f.ok('quotas.list', { limit: 200 })).items).toHaveLength(2);
      expect(await novemberQuota(f)).toBe(11_000_000);
    }
    // The next entry on either device changes the one that counts, and both agree again.
    now += 60_000;
    await a.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 9_000_000,
      currency: 'EUR',
    });
    deliver(a, b, 'quota');
    for (const f of [a, b]) expect(await novemberQuota(f)).toBe(9_000_000);
  });

  it('a quota no rate converts is reported as left out of the forecast, not dropped in silence', async () => {
    const f = await device(() => T0);
    await f.ok('quotas.create', { memberId: 'li', month: '2026-11', amountMinor: 500_000, currency: 'JPY' });
    await f.ok('quotas.create', { memberId: 'sam', month: '2026-11', amountMinor: 100_000, currency: 'USD' });
    // Outside the period: not this dashboard's concern.
    await f.ok('quotas.create', { memberId: 'li', month: '2027-03', amountMinor: 1, currency: 'GBP' });
    const figures = await f.ok('reports.dashboard', Q4);
    expect(figures.unconvertedQuotas).toEqual({ count: 1, currencies: ['JPY'] });
    expect(figures.forecast.find((m) => m.month === '2026-11')?.quotaMinor).toBe(90_000);
    // Only the members asked for.
    const sam = await f.ok('reports.dashboard', { ...Q4, memberIds: ['sam'] });
    expect(sam.unconvertedQuotas).toEqual({ count: 0, currencies: [] });
  });
});
