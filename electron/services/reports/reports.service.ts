import { dealSchema, type Deal } from '../../../shared/domain/crm.schemas';
import { dealDef } from '../crm/crm.entities';
import type { CrmService } from '../crm/crm.service';
import type { DashboardFigures, DashboardQuery, DrillKey } from '../../../shared/reports/dashboard.contract';
import { AppError } from '../../../shared/errors';
import { DashboardComputation } from './dashboard.compute';
import { MoneyConverter, type ExchangeRate } from './money.convert';
import { ReportsRepository } from './reports.repository';
import type { QuotaFact } from './dashboard.compute';

const DAY_MS = 86_400_000;

/** Where the reporting currency, dated exchange rates and quotas come from. */
export interface ReportInputs {
  reportingCurrency(): string;
  rates(): readonly ExchangeRate[];
  quotas(): readonly QuotaFact[];
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

  private computation(query: DashboardQuery): DashboardComputation {
    const stages = this.repo.stagesOf(query.pipelineId);
    if (!stages) throw new AppError('NOT_FOUND', 'No such pipeline');
    const money = new MoneyConverter(this.inputs.reportingCurrency(), this.inputs.rates());
    return new DashboardComputation(
      query,
      this.repo.dealFacts(query.pipelineId),
      stages.map((s) => s.id),
      money,
    );
  }

  /** Every dashboard figure for the query. */
  dashboard(query: DashboardQuery): DashboardFigures {
    const offset = query.utcOffsetMinutes * 60_000;
    const from = Date.parse(`${query.from}T00:00:00Z`) - offset;
    const to = Date.parse(`${query.to}T00:00:00Z`) - offset + DAY_MS;
    const activities = this.repo.activityCounts(from, to, query.utcOffsetMinutes);
    return this.computation(query).figures(activities, this.inputs.quotas());
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
