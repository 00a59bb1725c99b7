import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { tempDir } from '../../support/tmp';
import type { DashboardQuery } from '../../../../shared/reports/dashboard.contract';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';
import { Q4, T0 } from './support/queries';

const DAY = 86_400_000;

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

describe('reports over the shipped composition', () => {
  it('reports a team that sells in one currency in that currency, without any exchange rate', async () => {
    fixture = await createCrmFixture({ now: () => T0 });
    const f = fixture;
    for (const [name, currency] of [
      ['Austin', 'USD'],
      ['Boston', 'USD'],
      ['Berlin', 'EUR'],
    ] as const)
      await f.ok('deals.create', {
        name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        amountMinor: 50_000,
        currency,
      });
    const figures = await f.ok('reports.dashboard', Q4);
    // Most deals are in USD: the dashboard reports in it; the EUR deal waits for a rate.
    expect(figures.reportingCurrency).toBe('USD');
    expect(figures.unconverted).toEqual({ count: 1, currencies: ['EUR'] });
    // Pickers and the rate and quota forms start from the same answer.
    expect(await f.ok('reports.currencies', undefined)).toEqual({ reporting: 'USD', deals: ['USD', 'EUR'] });
    // Once a rate exists, its reporting currency is the workspace's.
    await f.ok('exchangeRates.create', {
      base: 'EUR',
      currency: 'USD',
      effectiveFrom: '2026-01-01',
      perUnit: 0.9,
    });
    expect((await f.ok('reports.currencies', undefined)).reporting).toBe('EUR');
  });

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

    const query = Q4;
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

  it('converts with the dated rates and counts quotas, both stored as synced records', async () => {
    fixture = await createCrmFixture({ now: () => T0 });
    const f = fixture;
    await f.ok('deals.create', {
      name: 'Shanghai',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      amountMinor: 1_000_000,
      currency: 'CNY',
      expectedCloseDate: '2026-11-10',
    });
    await f.ok('deals.create', {
      name: 'Tokyo',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      amountMinor: 100_000,
      currency: 'JPY',
      expectedCloseDate: '2026-10-10',
    });
    // An older and a newer CNY rate: November's deal takes the newer one.
    await f.ok('exchangeRates.create', {
      base: 'EUR',
      currency: 'CNY',
      effectiveFrom: '2026-01-01',
      perUnit: 0.1,
    });
    await f.ok('exchangeRates.create', {
      base: 'EUR',
      currency: 'CNY',
      effectiveFrom: '2026-11-01',
      perUnit: 0.13,
    });
    // JPY has no minor unit: 100,000 yen at 0.0061 is 610.00 euros.
    await f.ok('exchangeRates.create', {
      base: 'EUR',
      currency: 'JPY',
      effectiveFrom: '2026-01-01',
      perUnit: 0.0061,
    });
    await f.ok('quotas.create', {
      memberId: 'li',
      month: '2026-11',
      amountMinor: 5_000_000,
      currency: 'EUR',
    });
    await f.ok('quotas.create', {
      memberId: 'sam',
      month: '2026-11',
      amountMinor: 10_000_000,
      currency: 'CNY',
    });
    const bad = await f.call('quotas.create', {
      memberId: 'li',
      month: '2026-13',
      amountMinor: 1,
      currency: 'EUR',
    });
    expect(bad.ok ? null : bad.error.code).toBe('VALIDATION');
    const negative = await f.call('exchangeRates.create', {
      base: 'EUR',
      currency: 'USD',
      effectiveFrom: '2026-01-01',
      perUnit: -1,
    });
    expect(negative.ok ? null : negative.error.code).toBe('VALIDATION');

    const query: DashboardQuery = { ...Q4, today: '2026-10-01', staleDays: 30 };
    const figures = await f.ok('reports.dashboard', query);
    expect(figures.reportingCurrency).toBe('EUR');
    expect(figures.unconverted.count).toBe(0);
    expect(figures.pipeline.find((p) => p.stageId === 'lead')?.amountMinor).toBe(130_000 + 61_000);
    const november = figures.forecast.find((m) => m.month === '2026-11');
    expect(november?.openMinor).toBe(130_000);
    // Li's 50,000.00 EUR plus Sam's 100,000.00 CNY at November's 0.13.
    expect(november?.quotaMinor).toBe(5_000_000 + 1_300_000);
    // In another reporting currency without rates into it, nothing foreign is added.
    const usd = await f.ok('reports.dashboard', { ...query, reportingCurrency: 'USD' });
    expect(usd.reportingCurrency).toBe('USD');
    expect(usd.unconverted).toEqual({ count: 2, currencies: ['CNY', 'JPY'] });
    expect(usd.pipeline.find((p) => p.stageId === 'lead')?.amountMinor).toBe(0);
  });

  it("lists the week's new, moved, won, lost and slipped deals from the op log", async () => {
    let now = Date.UTC(2026, 9, 1, 9); // Thursday 1 Oct
    fixture = await createCrmFixture({ now: () => now });
    const f = fixture;
    const create = (name: string, extra: Record<string, unknown> = {}) =>
      f.ok('deals.create', { name, pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead', ...extra });
    const old = await create('Old', { ownerId: 'li' });
    await create('Slip', { ownerId: 'li', expectedCloseDate: '2026-10-06' });
    now = Date.UTC(2026, 9, 5, 10); // Monday 5 Oct: the week starts
    const fresh = await create('Fresh', { ownerId: 'sam' });
    await f.ok('deals.update', { id: old.id, patch: { stageId: 'proposal' } });
    now += 3600_000;
    await f.ok('deals.update', { id: fresh.id, patch: { status: 'won' } });
    now = Date.UTC(2026, 9, 12, 10); // the next week: not in this digest
    await f.ok('deals.update', { id: old.id, patch: { status: 'lost' } });
    const week = await f.ok('reports.digest', {
      weekStart: '2026-10-05',
      today: '2026-10-08',
      utcOffsetMinutes: 0,
      memberIds: null,
    });
    expect(week.weekEnd).toBe('2026-10-11');
    // Fresh's creation and Old's move share a millisecond, so compare the items as a set.
    const seen = week.items.map((i) => JSON.stringify([i.kind, i.name, i.fromStageId, i.toStageId]));
    expect(seen.sort()).toEqual(
      [
        ['new', 'Fresh', null, null],
        ['moved', 'Old', 'lead', 'proposal'],
        ['won', 'Fresh', null, null],
        ['slipped', 'Slip', null, null],
      ]
        .map((x) => JSON.stringify(x))
        .sort(),
    );
    expect(week.items.at(-1)?.kind).toBe('slipped');
    const li = await f.ok('reports.digest', {
      weekStart: '2026-10-05',
      today: '2026-10-08',
      utcOffsetMinutes: 0,
      memberIds: ['li'],
    });
    expect(li.items.map((i) => i.name).sort()).toEqual(['Old', 'Slip']);
    const next = await f.ok('reports.digest', {
      weekStart: '2026-10-12',
      today: '2026-10-14',
      utcOffsetMinutes: 0,
      memberIds: null,
    });
    expect(next.items.map((i) => [i.kind, i.name])).toEqual([['lost', 'Old']]);
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

describe('crm migration 10', () => {
  it('adds empty exchange-rate and quota tables to a database that has data', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    migrate(db, [{ domain: 'crm', migrations: crmMigrations.migrations.slice(0, 9) }]);
    db.prepare(
      `INSERT INTO crm_contacts (id, name, consent, created_at, updated_at, created_by, updated_by)
       VALUES ('0190a000-0000-7000-8000-000000000001', 'Old', '{}', 1, 1, 'd', 'd')`,
    ).run();
    migrate(db, [{ domain: 'crm', migrations: crmMigrations.migrations.slice(0, 10) }]);
    expect(db.prepare('SELECT count(*) AS n FROM crm_contacts').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM crm_exchange_rates').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM crm_quotas').get()).toEqual({ n: 0 });
    db.close();
  });
});
