import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardQuery } from '../../../../shared/reports/dashboard.contract';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 9); // 1 Oct 2026, 09:00 UTC

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

describe('reports over the shipped composition', () => {
  it('reads stage history, close times and activity counts from the vault', async () => {
    let now = T0;
    fixture = await createCrmFixture({ now: () => now });
    const f = fixture;
    const deal = (name: string, stageId: string, extra: Record<string, unknown> = {}) =>
      f.ok('deals.create', {
        name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId,
        amountMinor: 100_000,
        ...extra,
      });

    const a = await deal('A', 'lead', { expectedCloseDate: '2026-10-20', ownerId: 'li' });
    const b = await deal('B', 'lead', { expectedCloseDate: '2026-11-05', ownerId: 'sam' });
    const c = await deal('C', 'qualified', { ownerId: 'li', currency: 'CNY' });
    // A goes to proposal and back: it reached proposal all the same.
    now += DAY;
    await f.ok('deals.update', { id: a.id, patch: { stageId: 'proposal' } });
    now += DAY;
    await f.ok('deals.update', { id: a.id, patch: { stageId: 'lead' } });
    // B is won ten days after it was created.
    now = T0 + 10 * DAY;
    await f.ok('deals.update', { id: b.id, patch: { status: 'won' } });
    await f.ok('activities.create', { kind: 'visit', occurredAt: T0 + 2 * DAY, dealId: a.id });
    await f.ok('activities.create', { kind: 'call', occurredAt: T0 + 3 * DAY, dealId: a.id });
    await f.ok('activities.create', { kind: 'call', occurredAt: T0 + 9 * DAY, dealId: c.id });

    const query: DashboardQuery = {
      pipelineId: DEFAULT_PIPELINE_ID,
      from: '2026-10-01',
      to: '2026-12-31',
      today: '2026-10-25',
      utcOffsetMinutes: 0,
      memberIds: null,
      staleDays: 15,
    };
    const figures = await f.ok('reports.dashboard', query);
    expect(figures.reportingCurrency).toBe('EUR');
    expect(figures.winRate).toEqual({ won: 1, lost: 0, rate: 1 });
    expect(figures.averageCycleDays).toBeCloseTo(10, 5);
    // Reached: lead 3, qualified (A via proposal, B won, C) 3, proposal (A, B) 2, then only B.
    expect(figures.funnel.map((s) => s.reached)).toEqual([3, 3, 2, 1, 1]);
    expect(figures.pipeline.find((s) => s.stageId === 'lead')).toEqual({
      stageId: 'lead',
      count: 1,
      amountMinor: 100_000,
      weightedMinor: 10_000,
    });
    // C is in CNY and there is no rate: counted apart, not added as euros.
    expect(figures.pipeline.find((s) => s.stageId === 'qualified')?.amountMinor).toBe(0);
    expect(figures.unconverted).toEqual({ count: 1, currencies: ['CNY'] });
    // Won counts in the month it was won (October), not in its planned close month.
    expect(figures.forecast.find((m) => m.month === '2026-10')?.wonMinor).toBe(100_000);
    expect(figures.forecast.find((m) => m.month === '2026-11')?.wonMinor).toBe(0);
    expect(figures.slipping.count).toBe(1);
    // A's last activity was on 4 Oct, more than 15 days before the 25th; C's on the 10th is not.
    const stale = await f.ok('reports.drill', { query, key: { figure: 'stale' } });
    expect(stale.deals.map((d) => d.name)).toEqual(['A']);
    const weeks = figures.activities.map((r) => [r.week, r.kind, r.count]);
    expect(weeks).toEqual([
      ['2026-09-28', 'call', 1],
      ['2026-09-28', 'visit', 1],
      ['2026-10-05', 'call', 1],
    ]);
    // Only Li's deals.
    const li = await f.ok('reports.dashboard', { ...query, memberIds: ['li'] });
    expect(li.winRate.won).toBe(0);
    expect(li.funnel[0]?.reached).toBe(2);
  });

  it('refuses an unknown pipeline with a typed error and ill-formed queries at the router', async () => {
    fixture = await createCrmFixture();
    const bad = await fixture.call('reports.dashboard', {
      pipelineId: '00000000-0000-4000-8000-000000000000',
      from: '2026-10-01',
      to: '2026-12-31',
      today: '2026-10-25',
      utcOffsetMinutes: 0,
      memberIds: null,
      staleDays: 14,
    });
    expect(bad.ok ? null : bad.error.code).toBe('NOT_FOUND');
    const malformed = await fixture.call('reports.dashboard', { pipelineId: 'x', from: 'yesterday' });
    expect(malformed.ok ? null : malformed.error.code).toBe('VALIDATION');
  });
});
