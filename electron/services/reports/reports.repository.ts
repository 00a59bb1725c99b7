import type { Db } from '../db/database';
import { STAGE_SEPARATOR } from '../crm/reporting.derived.repository';
import { parseHlc } from '../../../shared/domain/hlc';
import type { DealFact } from './dashboard.compute';
import type { DealChange, DigestDeal } from './digest.compute';
import type { ExchangeRate } from './money.convert';

type DealRow = {
  id: string;
  owner_id: string | null;
  pipeline_id: string;
  stage_id: string;
  status: string;
  amount_minor: number;
  currency: string;
  probability: number | null;
  expected_close_date: string | null;
  created_at: number;
};
type ReportRow = { closed_at: number | null; last_activity_at: number | null; stages: string | null };
type HistoryRow = { record_id: string; hlc: string; stage: string | null; status: string | null };
type StageRow = { id: string; stages: string };

/** Live activities of one author and kind on one UTC day (from `crm_activity_days`). */
export interface ActivityDay {
  readonly day: number;
  readonly author: string;
  readonly kind: string;
  readonly n: number;
}

/** Reads what the dashboard is computed from: live deals with their stage history, activity counts. */
export class ReportsRepository {
  constructor(private readonly db: Db) {}

  /** Stage ids of a pipeline in display order with their default probabilities; null if unknown. */
  stagesOf(pipelineId: string): { id: string; probability: number }[] | null {
    const row = this.db
      .prepare<[string], StageRow>('SELECT id, stages FROM crm_pipelines WHERE id = ? AND deleted_at IS NULL')
      .get(pipelineId);
    if (!row) return null;
    const parsed: unknown = JSON.parse(row.stages);
    if (!Array.isArray(parsed)) return null;
    return parsed.flatMap((s: unknown) =>
      typeof s === 'object' && s !== null && 'id' in s && typeof s.id === 'string'
        ? [
            {
              id: s.id,
              probability: 'probability' in s && typeof s.probability === 'number' ? s.probability : 0,
            },
          ]
        : [],
    );
  }

  /**
   * The live deals of a pipeline as dashboard facts, in one statement over the derived reporting
   * tables (close time, newest activity, stage stints: crm migration 13) instead of the op log.
   * Only deals a figure can count are read: open ones, those closed in `[from, to)` and those
   * created in it (the funnel's cohort).
   */
  dealFacts(pipelineId: string, from: number, to: number): DealFact[] {
    const stages = this.stagesOf(pipelineId) ?? [];
    const stageProbability = new Map(stages.map((s) => [s.id, s.probability]));
    const rows = this.db
      .prepare<[{ from: number; to: number; pipeline: string }], DealRow & ReportRow>(
        `SELECT d.id, d.owner_id, d.pipeline_id, d.stage_id, d.status, d.amount_minor, d.currency,
                d.probability, d.expected_close_date, d.created_at, r.closed_at, r.last_activity_at,
                r.stages
         FROM crm_deals d LEFT JOIN crm_deal_report r ON r.deal_id = d.id
         WHERE d.pipeline_id = @pipeline AND d.deleted_at IS NULL
           AND (d.status NOT IN ('won', 'lost')
                OR coalesce(r.closed_at, d.created_at) >= @from AND coalesce(r.closed_at, d.created_at) < @to
                OR d.created_at >= @from AND d.created_at < @to)`,
      )
      .all({ from, to, pipeline: pipelineId });
    return rows.map((row) => {
      const status = row.status === 'won' || row.status === 'lost' ? row.status : 'open';
      return {
        id: row.id,
        ownerId: row.owner_id,
        pipelineId: row.pipeline_id,
        stageId: row.stage_id,
        status,
        amountMinor: row.amount_minor,
        currency: row.currency,
        probability: row.probability ?? stageProbability.get(row.stage_id) ?? 0,
        expectedCloseDate: row.expected_close_date,
        createdAt: row.created_at,
        closedAt: status === 'open' ? null : (row.closed_at ?? row.created_at),
        lastActivityAt: row.last_activity_at,
        stagesEntered:
          row.stages === null
            ? [row.stage_id]
            : [...new Set([...row.stages.split(STAGE_SEPARATOR), row.stage_id])],
      } satisfies DealFact;
    });
  }

  /** Every live deal as the weekly digest shows it. */
  digestDeals(): Map<string, DigestDeal> {
    const rows = this.db
      .prepare<[], DealRow & { name: string }>(
        `SELECT id, name, owner_id, pipeline_id, stage_id, status, amount_minor, currency, probability,
                expected_close_date, created_at
         FROM crm_deals WHERE deleted_at IS NULL`,
      )
      .all();
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          name: r.name,
          ownerId: r.owner_id,
          pipelineId: r.pipeline_id,
          stageId: r.stage_id,
          status: r.status,
          amountMinor: r.amount_minor,
          currency: r.currency,
          expectedCloseDate: r.expected_close_date,
          createdAt: r.created_at,
        },
      ]),
    );
  }

  /**
   * Every stage and status change of the deals that changed between two instants, whole histories in
   * HLC order (a move's "from" stage may be older than the range). HLC text starts with the wall
   * clock in fixed-width hex, so a range of instants is a range of text.
   */
  dealChanges(fromMs: number, toMs: number): DealChange[] {
    const hex = (ms: number) => ms.toString(16).padStart(12, '0');
    return this.db
      .prepare<[string, string], HistoryRow>(
        `SELECT record_id, hlc, json_extract(fields, '$.stageId') AS stage, json_extract(fields, '$.status') AS status
         FROM crm_oplog
         WHERE entity = 'deal' AND fields IS NOT NULL AND record_id IN (
           SELECT record_id FROM crm_oplog WHERE entity = 'deal' AND hlc >= ? AND hlc < ?)
         ORDER BY record_id, hlc`,
      )
      .all(hex(fromMs), hex(toMs))
      .flatMap((r) => {
        const stamp = parseHlc(r.hlc);
        if (!stamp || (typeof r.stage !== 'string' && typeof r.status !== 'string')) return [];
        return [
          {
            dealId: r.record_id,
            at: stamp.wall,
            stageId: typeof r.stage === 'string' ? r.stage : null,
            status: typeof r.status === 'string' ? r.status : null,
          },
        ];
      });
  }

  /** Every live exchange rate, with the reporting currency it converts into. */
  rates(): (ExchangeRate & { readonly id: string; readonly base: string; readonly updatedAt: number })[] {
    return this.db
      .prepare<
        [],
        {
          id: string;
          base: string;
          currency: string;
          effective_from: string;
          per_unit: number;
          updated_at: number;
        }
      >(
        'SELECT id, base, currency, effective_from, per_unit, updated_at FROM crm_exchange_rates WHERE deleted_at IS NULL',
      )
      .all()
      .map((r) => ({
        id: r.id,
        base: r.base,
        currency: r.currency,
        effectiveFrom: r.effective_from,
        perUnit: r.per_unit,
        updatedAt: r.updated_at,
      }));
  }

  /** The currencies live deals are in, most used first (ties: alphabetical). */
  dealCurrencies(): string[] {
    return this.db
      .prepare<[], { currency: string }>(
        `SELECT currency FROM crm_deals WHERE deleted_at IS NULL
         GROUP BY currency ORDER BY count(*) DESC, currency`,
      )
      .all()
      .map((r) => r.currency);
  }

  /** Every live quota, in its own currency. */
  quotas(): {
    id: string;
    updatedAt: number;
    memberId: string;
    month: string;
    amountMinor: number;
    currency: string;
  }[] {
    return this.db
      .prepare<
        [],
        {
          id: string;
          updated_at: number;
          member_id: string;
          month: string;
          amount_minor: number;
          currency: string;
        }
      >(
        'SELECT id, updated_at, member_id, month, amount_minor, currency FROM crm_quotas WHERE deleted_at IS NULL',
      )
      .all()
      .map((r) => ({
        id: r.id,
        updatedAt: r.updated_at,
        memberId: r.member_id,
        month: r.month,
        amountMinor: r.amount_minor,
        currency: r.currency,
      }));
  }

  /** Live activities per author, kind and UTC day, for the UTC days `fromDay..toDay` (derived table). */
  activityDays(fromDay: number, toDay: number): ActivityDay[] {
    return this.db
      .prepare<[number, number], ActivityDay>(
        'SELECT day, author, kind, n FROM crm_activity_days WHERE day >= ? AND day <= ?',
      )
      .all(fromDay, toDay);
  }

  /** Live activities in `[fromMs, toMs)` (at most a day: a week boundary inside a UTC day), per author and kind. */
  activityCountsBetween(fromMs: number, toMs: number): { author: string; kind: string; n: number }[] {
    return this.db
      .prepare<[number, number], { author: string; kind: string; n: number }>(
        `SELECT created_by AS author, kind, count(*) AS n FROM crm_activities INDEXED BY crm_activities_report
         WHERE occurred_at >= ? AND occurred_at < ? AND deleted_at IS NULL GROUP BY created_by, kind`,
      )
      .all(fromMs, toMs);
  }
}
