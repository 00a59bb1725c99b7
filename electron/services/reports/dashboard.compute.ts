import type {
  ActivityKind,
  DashboardFigures,
  DashboardQuery,
  DrillKey,
} from '../../../shared/reports/dashboard.contract';
import { type MoneyConverter, roundHalfAway } from './money.convert';

/** What the dashboard needs of one deal (read from the vault by the reports repository). */
export interface DealFact {
  readonly id: string;
  readonly ownerId: string | null;
  readonly pipelineId: string;
  readonly stageId: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly amountMinor: number;
  readonly currency: string;
  /** The deal's own probability, else its stage's (percent). */
  readonly probability: number;
  readonly expectedCloseDate: string | null;
  readonly createdAt: number;
  /** When the status last became won or lost (null while open). */
  readonly closedAt: number | null;
  /** The newest activity linked to the deal. */
  readonly lastActivityAt: number | null;
  /** Every stage the deal has been in, from its op history (the current one included). */
  readonly stagesEntered: readonly string[];
}

/** Activities of one author, kind and local day. */
export interface ActivityFact {
  /** The member who logged them (null when the author is unknown). */
  readonly authorId: string | null;
  readonly kind: ActivityKind;
  /** The user's calendar day, YYYY-MM-DD. */
  readonly day: string;
  readonly count: number;
}

/**
 * A member's target for one calendar month, in reporting minor units; null when no exchange rate
 * converts its `currency` on the month's first day (it is then counted apart, never as zero).
 */
export interface QuotaFact {
  readonly memberId: string;
  readonly month: string;
  readonly amountMinor: number | null;
  readonly currency: string;
}

const DAY_MS = 86_400_000;

/** The local calendar day of `ms` at a fixed UTC offset, YYYY-MM-DD. */
export function dayOf(ms: number, utcOffsetMinutes: number): string {
  return new Date(ms + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The Monday starting the ISO week that holds `day` (YYYY-MM-DD). */
export function weekOf(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - weekday * DAY_MS).toISOString().slice(0, 10);
}

/** Per-deal facts the figures are summed from, in reporting money. */
interface Classified {
  readonly deal: DealFact;
  /** The amount in reporting minor units, null when no rate converts it. */
  readonly amount: number | null;
  readonly weighted: number | null;
  readonly closedDay: string | null;
  readonly createdDay: string;
}

/**
 * The whole dashboard from plain facts. Each deal is classified once (`keysOf`) and every figure and
 * every drill-down list come from the same classification, so a bar and the list behind it agree.
 */
export class DashboardComputation {
  private readonly classified: Classified[] = [];
  private readonly stageIndex: ReadonlyMap<string, number>;
  /** Open deals whose newest activity (or creation) is before this instant are stale. */
  private readonly staleBefore: number;

  constructor(
    private readonly query: DashboardQuery,
    deals: readonly DealFact[],
    private readonly stageOrder: readonly string[],
    private readonly money: MoneyConverter,
  ) {
    const members = query.memberIds ? new Set(query.memberIds) : null;
    const todayStart = Date.parse(`${query.today}T00:00:00Z`) - query.utcOffsetMinutes * 60_000;
    this.staleBefore = todayStart - query.staleDays * DAY_MS;
    this.stageIndex = new Map(stageOrder.map((id, i) => [id, i]));
    // Local days by day number: one Date formatting per day instead of two per deal.
    const offset = query.utcOffsetMinutes * 60_000;
    const days = new Map<number, string>();
    const localDay = (ms: number) => {
      const n = Math.floor((ms + offset) / DAY_MS);
      let day = days.get(n);
      if (day === undefined) days.set(n, (day = new Date(n * DAY_MS).toISOString().slice(0, 10)));
      return day;
    };
    for (const deal of deals) {
      if (deal.pipelineId !== query.pipelineId) continue;
      if (members && (deal.ownerId === null || !members.has(deal.ownerId))) continue;
      const closedDay = deal.closedAt === null ? null : localDay(deal.closedAt);
      const rateDay = closedDay ?? deal.expectedCloseDate ?? query.today;
      const amount = money.convert(deal.amountMinor, deal.currency, rateDay);
      const weighted = amount === null ? null : roundHalfAway((amount * deal.probability) / 100);
      this.classified.push({
        deal,
        amount,
        weighted,
        closedDay,
        createdDay: localDay(deal.createdAt),
      });
    }
  }

  /** Every drill key one deal counts under. */
  private keysOf(c: Classified): DrillKey[] {
    const { deal } = c;
    const q = this.query;
    const keys: DrillKey[] = [];
    const inPeriod = (day: string) => day >= q.from && day <= q.to;
    if (deal.status === 'open') {
      keys.push({ figure: 'pipeline', stageId: deal.stageId });
      if (deal.expectedCloseDate !== null && inPeriod(deal.expectedCloseDate)) {
        keys.push({ figure: 'forecastOpen', month: deal.expectedCloseDate.slice(0, 7) });
      }
      if (deal.expectedCloseDate !== null && deal.expectedCloseDate < q.today)
        keys.push({ figure: 'slipping' });
      const last = Math.max(deal.lastActivityAt ?? 0, deal.createdAt);
      if (last < this.staleBefore) keys.push({ figure: 'stale' });
    } else if (c.closedDay !== null && inPeriod(c.closedDay)) {
      keys.push({ figure: deal.status === 'won' ? 'won' : 'lost' });
      if (deal.status === 'won') keys.push({ figure: 'forecastWon', month: c.closedDay.slice(0, 7) });
    }
    if (inPeriod(c.createdDay)) {
      const reached = this.reachedIndex(deal);
      for (let i = 0; i <= reached; i++) keys.push({ figure: 'funnel', stageId: this.stageOrder[i] ?? '' });
    }
    return keys;
  }

  /** The furthest stage a deal reached; a won deal went through every stage. */
  private reachedIndex(deal: DealFact): number {
    if (deal.status === 'won') return this.stageOrder.length - 1;
    let max = -1;
    for (const stage of deal.stagesEntered) max = Math.max(max, this.stageIndex.get(stage) ?? -1);
    return max;
  }

  /** The ids of the deals behind one figure (the drill-down list). */
  drill(key: DrillKey): string[] {
    const same = (k: DrillKey) =>
      k.figure === key.figure && k.stageId === key.stageId && k.month === key.month;
    return this.classified.filter((c) => this.keysOf(c).some(same)).map((c) => c.deal.id);
  }

  /** Every deal figure plus the activities and quotas given. */
  figures(activities: readonly ActivityFact[], quotas: readonly QuotaFact[]): DashboardFigures {
    const q = this.query;
    const stages = new Map(
      this.stageOrder.map((id) => [id, { stageId: id, count: 0, amountMinor: 0, weightedMinor: 0 }]),
    );
    const funnel = new Map(this.stageOrder.map((id) => [id, 0]));
    const months = new Map<
      string,
      { month: string; wonMinor: number; openMinor: number; weightedMinor: number; quotaMinor: number }
    >();
    const month = (m: string) => {
      let row = months.get(m);
      if (!row)
        months.set(m, (row = { month: m, wonMinor: 0, openMinor: 0, weightedMinor: 0, quotaMinor: 0 }));
      return row;
    };
    for (let m = q.from.slice(0, 7); m <= q.to.slice(0, 7); m = nextMonth(m)) month(m);
    const slipping = { count: 0, amountMinor: 0 };
    const stale = { count: 0, amountMinor: 0 };
    let won = 0;
    let lost = 0;
    let cycleDays = 0;
    const unconverted = new Set<string>();
    let unconvertedCount = 0;
    for (const c of this.classified) {
      const keys = this.keysOf(c);
      const counted = keys.some((k) => k.figure !== 'funnel' && k.figure !== 'won' && k.figure !== 'lost');
      if (c.amount === null && counted) {
        unconverted.add(c.deal.currency);
        unconvertedCount++;
      }
      const amount = c.amount ?? 0;
      const weighted = c.weighted ?? 0;
      for (const key of keys) {
        switch (key.figure) {
          case 'pipeline': {
            const row = stages.get(key.stageId ?? '');
            if (row) {
              row.count++;
              row.amountMinor += amount;
              row.weightedMinor += weighted;
            }
            break;
          }
          case 'forecastOpen':
            month(key.month ?? '').openMinor += amount;
            month(key.month ?? '').weightedMinor += weighted;
            break;
          case 'forecastWon':
            month(key.month ?? '').wonMinor += amount;
            break;
          case 'slipping':
            slipping.count++;
            slipping.amountMinor += amount;
            break;
          case 'stale':
            stale.count++;
            stale.amountMinor += amount;
            break;
          case 'won':
            won++;
            cycleDays += ((c.deal.closedAt ?? c.deal.createdAt) - c.deal.createdAt) / DAY_MS;
            break;
          case 'lost':
            lost++;
            break;
          case 'funnel':
            funnel.set(key.stageId ?? '', (funnel.get(key.stageId ?? '') ?? 0) + 1);
            break;
        }
      }
    }
    const members = q.memberIds ? new Set(q.memberIds) : null;
    const unconvertedQuotas = new Set<string>();
    let unconvertedQuotaCount = 0;
    for (const quota of quotas) {
      if (members && !members.has(quota.memberId)) continue;
      const row = months.get(quota.month);
      if (!row) continue;
      if (quota.amountMinor === null) {
        unconvertedQuotas.add(quota.currency);
        unconvertedQuotaCount++;
      } else row.quotaMinor += quota.amountMinor;
    }
    const funnelRows = this.stageOrder.map((stageId, i) => {
      const reached = funnel.get(stageId) ?? 0;
      const before = i === 0 ? null : (funnel.get(this.stageOrder[i - 1] ?? '') ?? 0);
      return { stageId, reached, conversion: before ? reached / before : null };
    });
    return {
      reportingCurrency: this.money.reporting,
      pipeline: [...stages.values()],
      forecast: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
      winRate: { won, lost, rate: won + lost === 0 ? null : won / (won + lost) },
      averageCycleDays: won === 0 ? null : cycleDays / won,
      funnel: funnelRows,
      slipping,
      stale,
      activities: activityRows(activities, q, members),
      unconverted: { count: unconvertedCount, currencies: [...unconverted].sort() },
      unconvertedQuotas: { count: unconvertedQuotaCount, currencies: [...unconvertedQuotas].sort() },
    };
  }
}

/** Activities per member, ISO week and kind inside the period. */
function activityRows(
  activities: readonly ActivityFact[],
  q: DashboardQuery,
  members: ReadonlySet<string> | null,
): DashboardFigures['activities'] {
  const rows = new Map<
    string,
    { memberId: string | null; week: string; kind: ActivityKind; count: number }
  >();
  for (const a of activities) {
    if (members && (a.authorId === null || !members.has(a.authorId))) continue;
    if (a.day < q.from || a.day > q.to) continue;
    const week = weekOf(a.day);
    const key = `${a.authorId ?? ''}\u0000${week}\u0000${a.kind}`;
    const row = rows.get(key);
    if (row) row.count += a.count;
    else rows.set(key, { memberId: a.authorId, week, kind: a.kind, count: a.count });
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.week.localeCompare(b.week) ||
      (a.memberId ?? '').localeCompare(b.memberId ?? '') ||
      a.kind.localeCompare(b.kind),
  );
}

/** The month after `month` (YYYY-MM). */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const year = y ?? 1970;
  const next = (m ?? 1) + 1;
  return next > 12 ? `${year + 1}-01` : `${year}-${String(next).padStart(2, '0')}`;
}
