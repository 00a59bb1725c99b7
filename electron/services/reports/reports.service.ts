import { dealSchema, type Deal } from '../../../shared/domain/crm.schemas';
import { dealDef } from '../crm/crm.entities';
import type { CrmService } from '../crm/crm.service';
import type { DashboardFigures, DashboardQuery, DrillKey } from '../../../shared/reports/dashboard.contract';
import { AppError } from '../../../shared/errors';
import { activityFacts } from './activity.weeks';
import { DashboardComputation } from './dashboard.compute';
import { weeklyDigest } from './digest.compute';
import type { Digest, DigestQuery } from '../../../shared/reports/digest.contract';
import { MoneyConverter, type ExchangeRate } from './money.convert';
import { ReportsRepository } from './reports.repository';
import type { QuotaFact } from './dashboard.compute';
import { latestPerKey, quotaKey } from '../../../shared/reports/entries.latest';

const DAY_MS = 86_400_000;

/** The query's local days as UTC instants, `[from, to)`. */
function periodOf(query: DashboardQuery): [number, number] {
  const offset = query.utcOffsetMinutes * 60_000;
  const from = Date.parse(`${query.from}T00:00:00Z`) - offset;
  return [from, Date.parse(`${query.to}T00:00:00Z`) - offset + DAY_MS];
}

/** A quota as stored: in its own currency. */
export interface StoredQuota {
  readonly id: string;
  readonly updatedAt: number;
  readonly memberId: string;
  readonly month: string;
  readonly amountMinor: number;
  readonly currency: string;
}

/** Where the reporting currency, dated exchange rates and quotas come from. */
export interface ReportInputs {
  /** The reporting currency when a query names none. */
  defaultCurrency(): string;
  /** The currencies live deals are in, most used first. */
  dealCurrencies(): readonly string[];
  /** The rates that convert into `base`. */
  rates(base: string): readonly ExchangeRate[];
  /** Every live quota, several for one member and month included (see `latestPerKey`). */
  quotas(): readonly StoredQuota[];
}

/** The manager's figures over the open vault. */
export class ReportsService {
  private readonly repo: ReportsRepository;

  constructor(
    private readonly crm: CrmService,
    private readonly inputs: ReportInputs,
  ) {
    this.repo = new ReportsRepository(crm.db);
  }

  private computation(query: DashboardQuery, money = this.converter(query)): DashboardComputation {
    const stages = this.repo.stagesOf(query.pipelineId);
    if (!stages) throw new AppError('NOT_FOUND', 'No such pipeline');
    const [from, to] = periodOf(query);
    return new DashboardComputation(
      query,
      this.repo.dealFacts(query.pipelineId, from, to),
      stages.map((s) => s.id),
      money,
    );
  }

  private converter(query: DashboardQuery): MoneyConverter {
    const base = query.reportingCurrency ?? this.inputs.defaultCurrency();
    return new MoneyConverter(base, this.inputs.rates(base));
  }

  /**
   * The quota that counts for each member and month, in reporting money at the rate of the month's
   * first day (null without one: the dashboard says it is left out).
   */
  private quotas(money: MoneyConverter): QuotaFact[] {
    return [...latestPerKey(this.inputs.quotas(), quotaKey).values()].map((q) => ({
      memberId: q.memberId,
      month: q.month,
      amountMinor: money.convert(q.amountMinor, q.currency, `${q.month}-01`),
      currency: q.currency,
    }));
  }

  /** The default reporting currency and the currencies deals are in, most used first. */
  currencies(): { reporting: string; deals: string[] } {
    return { reporting: this.inputs.defaultCurrency(), deals: [...this.inputs.dealCurrencies()] };
  }

  /** Every dashboard figure for the query. */
  dashboard(query: DashboardQuery): DashboardFigures {
    const activities = activityFacts(this.repo, query.from, query.to, query.utcOffsetMinutes);
    const money = this.converter(query);
    return this.computation(query, money).figures(activities, this.quotas(money));
  }

  /** The week's pipeline changes. */
  digest(query: DigestQuery): Digest {
    const offset = query.utcOffsetMinutes * 60_000;
    const from = Date.parse(`${query.weekStart}T00:00:00Z`) - offset;
    const to = from + 7 * DAY_MS;
    const weekEnd = new Date(Date.parse(`${query.weekStart}T00:00:00Z`) + 6 * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const toDay = new Date(Date.parse(`${query.weekStart}T00:00:00Z`) + 7 * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const items = weeklyDigest(
      this.repo.digestDeals(),
      this.repo.dealChanges(from, to),
      { from, to, fromDay: query.weekStart, toDay, today: query.today },
      query.memberIds ? new Set(query.memberIds) : null,
    );
    return { weekStart: query.weekStart, weekEnd, items };
  }

  /** One page of the deals behind a figure, in the order the figure lists them. */
  drill(
    query: DashboardQuery,
    key: DrillKey,
    offset: number,
    limit: number,
  ): { total: number; deals: Deal[] } {
    const ids = this.computation(query).drill(key);
    const page = ids.slice(offset, offset + limit);
    // A stored row that breaks the deal schema is left out, as lists leave it out.
    const deals = page.flatMap((id) => {
      const parsed = dealSchema.safeParse(this.crm.get(dealDef, id));
      return parsed.success ? [parsed.data] : [];
    });
    return { total: ids.length, deals };
  }
}
