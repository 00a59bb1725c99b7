import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DashboardComputation,
  type DealFact,
  type QuotaFact,
} from '../../../../electron/services/reports/dashboard.compute';
import { type ExchangeRate, MoneyConverter } from '../../../../electron/services/reports/money.convert';
import type { DashboardQuery } from '../../../../shared/reports/dashboard.contract';

const STAGES = ['lead', 'qualified', 'proposal', 'negotiation'];
const MEMBERS = ['m1', 'm2', 'm3'];
const CURRENCIES = ['EUR', 'CNY', 'JPY', 'USD'];
const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);

const dayText = (ms: number, offset: number) => new Date(ms + offset * 60_000).toISOString().slice(0, 10);

const dealArb = fc.record({
  id: fc.uuid(),
  ownerId: fc.option(fc.constantFrom(...MEMBERS), { nil: null }),
  pipelineId: fc.constantFrom('p1', 'p2'),
  stageId: fc.constantFrom(...STAGES),
  status: fc.constantFrom('open' as const, 'won' as const, 'lost' as const),
  amountMinor: fc.oneof(fc.integer({ min: -50_000, max: 50_000 }), fc.integer({ min: 0, max: 100_000_000 })),
  currency: fc.constantFrom(...CURRENCIES),
  probability: fc.integer({ min: 0, max: 100 }),
  closeOffset: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
  createdOffset: fc.integer({ min: 0, max: 120 * DAY }),
  cycle: fc.integer({ min: 0, max: 120 * DAY }),
  lastActivity: fc.option(fc.integer({ min: 0, max: 150 * DAY }), { nil: null }),
  history: fc.subarray(STAGES),
});

type DealSeed = typeof dealArb extends fc.Arbitrary<infer T> ? T : never;

function toFact(s: DealSeed): DealFact {
  const createdAt = BASE + s.createdOffset;
  return {
    id: s.id,
    ownerId: s.ownerId,
    pipelineId: s.pipelineId,
    stageId: s.stageId,
    status: s.status,
    amountMinor: s.amountMinor,
    currency: s.currency,
    probability: s.probability,
    expectedCloseDate: s.closeOffset === null ? null : dayText(BASE + s.closeOffset * DAY, 0),
    createdAt,
    closedAt: s.status === 'open' ? null : createdAt + s.cycle,
    lastActivityAt: s.lastActivity === null ? null : BASE + s.lastActivity,
    stagesEntered: [...new Set([...s.history, s.stageId])],
  };
}

const rateArb = fc.record({
  currency: fc.constantFrom('CNY', 'JPY', 'USD'),
  effectiveFrom: fc.integer({ min: 0, max: 150 }).map((d) => dayText(BASE + d * DAY, 0)),
  perUnit: fc.double({ min: 0.001, max: 10, noNaN: true }),
});

const activityArb = fc.record({
  authorId: fc.option(fc.constantFrom(...MEMBERS), { nil: null }),
  kind: fc.constantFrom(
    'call' as const,
    'meeting' as const,
    'visit' as const,
    'email' as const,
    'note' as const,
  ),
  occurredAt: fc.integer({ min: BASE - 30 * DAY, max: BASE + 200 * DAY }),
});

const quotaArb = fc.record({
  memberId: fc.constantFrom(...MEMBERS),
  month: fc.integer({ min: 0, max: 6 }).map((m) => `2026-${String(m + 1).padStart(2, '0')}`),
  // null: no rate converted it (the service's answer for such a quota).
  amountMinor: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { freq: 4 }),
  currency: fc.constantFrom('EUR', 'CNY', 'JPY'),
});

const queryArb = fc.record({
  pipelineId: fc.constant('p1'),
  fromDay: fc.integer({ min: 0, max: 60 }),
  length: fc.integer({ min: 0, max: 120 }),
  todayDay: fc.integer({ min: 0, max: 130 }),
  utcOffsetMinutes: fc.constantFrom(-300, 0, 60, 480, 840),
  memberIds: fc.option(fc.subarray(MEMBERS, { minLength: 1 }), { nil: null }),
  staleDays: fc.integer({ min: 1, max: 60 }),
});

// ---- The reference: each figure computed on its own, the plain way --------------------------------
const DIGITS: Record<string, number> = { EUR: 2, CNY: 2, USD: 2, JPY: 0 };

function refConvert(
  rates: readonly ExchangeRate[],
  amount: number,
  currency: string,
  day: string,
): number | null {
  if (currency === 'EUR') return amount;
  const usable = rates.filter((r) => r.currency === currency && r.effectiveFrom <= day && r.perUnit > 0);
  if (usable.length === 0) return null;
  // The newest rate wins; among rates of the same day, the one given last.
  let best = usable[0] as ExchangeRate;
  for (const r of usable) if (r.effectiveFrom >= best.effectiveFrom) best = r;
  const value = amount * 10 ** ((DIGITS.EUR ?? 2) - (DIGITS[currency] ?? 2)) * best.perUnit;
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

function reference(
  q: DashboardQuery,
  deals: readonly DealFact[],
  activities: readonly { authorId: string | null; kind: string; occurredAt: number }[],
  quotas: readonly QuotaFact[],
  rates: readonly ExchangeRate[],
) {
  const mine = deals.filter(
    (d) =>
      d.pipelineId === q.pipelineId &&
      (q.memberIds === null || (d.ownerId !== null && q.memberIds.includes(d.ownerId))),
  );
  const closedDay = (d: DealFact) => (d.closedAt === null ? null : dayText(d.closedAt, q.utcOffsetMinutes));
  const amountOf = (d: DealFact) =>
    refConvert(rates, d.amountMinor, d.currency, closedDay(d) ?? d.expectedCloseDate ?? q.today) ?? 0;
  const weightedOf = (d: DealFact) => {
    const a = refConvert(rates, d.amountMinor, d.currency, closedDay(d) ?? d.expectedCloseDate ?? q.today);
    if (a === null) return 0;
    const w = (a * d.probability) / 100;
    return w < 0 ? -Math.round(-w) : Math.round(w);
  };
  const sum = (xs: readonly DealFact[], f: (d: DealFact) => number) => xs.reduce((t, d) => t + f(d), 0);
  const open = mine.filter((d) => d.status === 'open');
  const inPeriod = (day: string | null) => day !== null && day >= q.from && day <= q.to;
  const months: string[] = [];
  for (let m = q.from.slice(0, 7); m <= q.to.slice(0, 7);) {
    months.push(m);
    const [y, mm] = m.split('-').map(Number);
    m = mm === 12 ? `${(y ?? 0) + 1}-01` : `${y}-${String((mm ?? 0) + 1).padStart(2, '0')}`;
  }
  const todayStart = Date.parse(`${q.today}T00:00:00Z`) - q.utcOffsetMinutes * 60_000;
  const stale = open.filter(
    (d) => Math.max(d.lastActivityAt ?? 0, d.createdAt) < todayStart - q.staleDays * DAY,
  );
  const slipping = open.filter((d) => d.expectedCloseDate !== null && d.expectedCloseDate < q.today);
  const won = mine.filter((d) => d.status === 'won' && inPeriod(closedDay(d)));
  const lost = mine.filter((d) => d.status === 'lost' && inPeriod(closedDay(d)));
  const cohort = mine.filter((d) => inPeriod(dayText(d.createdAt, q.utcOffsetMinutes)));
  const reached = STAGES.map(
    (_stage, i) =>
      cohort.filter((d) => d.status === 'won' || d.stagesEntered.some((e) => STAGES.indexOf(e) >= i)).length,
  );
  const acts = new Map<string, number>();
  for (const a of activities) {
    if (q.memberIds !== null && (a.authorId === null || !q.memberIds.includes(a.authorId))) continue;
    const day = dayText(a.occurredAt, q.utcOffsetMinutes);
    if (!inPeriod(day)) continue;
    const d = new Date(`${day}T00:00:00Z`);
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
    const key = JSON.stringify([a.authorId, monday, a.kind]);
    acts.set(key, (acts.get(key) ?? 0) + 1);
  }
  return {
    pipeline: STAGES.map((s) => {
      const xs = open.filter((d) => d.stageId === s);
      return {
        stageId: s,
        count: xs.length,
        amountMinor: sum(xs, amountOf),
        weightedMinor: sum(xs, weightedOf),
      };
    }),
    forecast: months.map((m) => {
      const openIn = open.filter((d) => inPeriod(d.expectedCloseDate) && d.expectedCloseDate?.startsWith(m));
      return {
        month: m,
        wonMinor: sum(
          won.filter((d) => closedDay(d)?.startsWith(m)),
          amountOf,
        ),
        openMinor: sum(openIn, amountOf),
        weightedMinor: sum(openIn, weightedOf),
        quotaMinor: quotas
          .filter((x) => x.month === m && (q.memberIds === null || q.memberIds.includes(x.memberId)))
          .reduce((t, x) => t + (x.amountMinor ?? 0), 0),
      };
    }),
    winRate: { won: won.length, lost: lost.length },
    averageCycleDays:
      won.length === 0
        ? null
        : won.reduce((t, d) => t + ((d.closedAt ?? 0) - d.createdAt) / DAY, 0) / won.length,
    reached,
    slipping: { count: slipping.length, amountMinor: sum(slipping, amountOf) },
    stale: { count: stale.length, amountMinor: sum(stale, amountOf) },
    activities: acts,
    staleIds: stale.map((d) => d.id).sort(),
    unconverted: (() => {
      const counted = new Set([
        ...open.filter((d) => d.expectedCloseDate !== null && inPeriod(d.expectedCloseDate)),
        ...open,
        ...won,
      ]);
      const missing = [...counted].filter(
        (d) =>
          refConvert(rates, d.amountMinor, d.currency, closedDay(d) ?? d.expectedCloseDate ?? q.today) ===
          null,
      );
      return { count: missing.length, currencies: [...new Set(missing.map((d) => d.currency))].sort() };
    })(),
  };
}

describe('dashboard figures', () => {
  it('equal a straightforward reference computation over random deals, rates, quotas and activities', () => {
    fc.assert(
      fc.property(
        fc.array(dealArb, { maxLength: 60 }),
        fc.array(rateArb, { maxLength: 8 }),
        fc.array(activityArb, { maxLength: 80 }),
        fc.array(quotaArb, { maxLength: 10 }),
        queryArb,
        (seeds, rates, activities, quotas, qa) => {
          const deals = seeds.map(toFact);
          const q: DashboardQuery = {
            pipelineId: qa.pipelineId,
            from: dayText(BASE + qa.fromDay * DAY, 0),
            to: dayText(BASE + (qa.fromDay + qa.length) * DAY, 0),
            today: dayText(BASE + qa.todayDay * DAY, 0),
            utcOffsetMinutes: qa.utcOffsetMinutes,
            memberIds: qa.memberIds,
            staleDays: qa.staleDays,
          };
          const computation = new DashboardComputation(q, deals, STAGES, new MoneyConverter('EUR', rates));
          const facts = activities.map((a) => ({
            authorId: a.authorId,
            kind: a.kind,
            day: dayText(a.occurredAt, q.utcOffsetMinutes),
            count: 1,
          }));
          const got = computation.figures(facts, quotas);
          const want = reference(q, deals, activities, quotas, rates);
          expect(got.pipeline).toEqual(want.pipeline);
          expect(got.forecast).toEqual(want.forecast);
          expect({ won: got.winRate.won, lost: got.winRate.lost }).toEqual(want.winRate);
          if (want.averageCycleDays === null) expect(got.averageCycleDays).toBeNull();
          else expect(got.averageCycleDays).toBeCloseTo(want.averageCycleDays, 9);
          expect(got.funnel.map((f) => f.reached)).toEqual(want.reached);
          expect(got.slipping).toEqual(want.slipping);
          expect(got.stale).toEqual(want.stale);
          expect(
            new Map(got.activities.map((a) => [JSON.stringify([a.memberId, a.week, a.kind]), a.count])),
          ).toEqual(want.activities);
          expect(computation.drill({ figure: 'stale' }).sort()).toEqual(want.staleIds);
          expect(got.unconverted).toEqual(want.unconverted);
          const months = new Set(want.forecast.map((m) => m.month));
          const leftOut = quotas.filter(
            (x) =>
              x.amountMinor === null &&
              months.has(x.month) &&
              (q.memberIds === null || q.memberIds.includes(x.memberId)),
          );
          expect(got.unconvertedQuotas).toEqual({
            count: leftOut.length,
            currencies: [...new Set(leftOut.map((x) => x.currency))].sort(),
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps unlike money apart: a currency without a rate is reported, not added', () => {
    const deal: DealFact = {
      ...toFact({
        id: '00000000-0000-4000-8000-000000000001',
        ownerId: 'm1',
        pipelineId: 'p1',
        stageId: 'lead',
        status: 'open',
        amountMinor: 1000,
        currency: 'CNY',
        probability: 50,
        closeOffset: 10,
        createdOffset: 0,
        cycle: 0,
        lastActivity: null,
        history: [],
      }),
    };
    const q: DashboardQuery = {
      pipelineId: 'p1',
      from: '2026-01-01',
      to: '2026-03-31',
      today: '2026-01-05',
      utcOffsetMinutes: 0,
      memberIds: null,
      staleDays: 30,
    };
    const figures = new DashboardComputation(q, [deal], STAGES, new MoneyConverter('EUR', [])).figures(
      [],
      [],
    );
    expect(figures.pipeline[0]).toEqual({ stageId: 'lead', count: 1, amountMinor: 0, weightedMinor: 0 });
    expect(figures.unconverted).toEqual({ count: 1, currencies: ['CNY'] });
  });

  it('rounds weighted money half away from zero, for refunds as for sales', () => {
    const base = toFact({
      id: '00000000-0000-4000-8000-000000000002',
      ownerId: 'm1',
      pipelineId: 'p1',
      stageId: 'lead',
      status: 'open',
      amountMinor: -25,
      currency: 'EUR',
      probability: 10,
      closeOffset: null,
      createdOffset: 0,
      cycle: 0,
      lastActivity: null,
      history: [],
    });
    const q: DashboardQuery = {
      pipelineId: 'p1',
      from: '2026-01-01',
      to: '2026-01-31',
      today: '2026-01-05',
      utcOffsetMinutes: 0,
      memberIds: null,
      staleDays: 30,
    };
    const deals = [base, { ...base, id: '00000000-0000-4000-8000-000000000003', amountMinor: 25 }];
    const figures = new DashboardComputation(q, deals, STAGES, new MoneyConverter('EUR', [])).figures([], []);
    // -2.5 -> -3 and 2.5 -> 3: the two cancel out, as the unrounded amounts do.
    expect(figures.pipeline[0]?.weightedMinor).toBe(0);
  });
});
