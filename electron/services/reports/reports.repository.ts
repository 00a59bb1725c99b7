import type { Db } from '../db/database';
import { parseHlc } from '../../../shared/domain/hlc';
import type { ActivityKind } from '../../../shared/reports/dashboard.contract';
import type { DealFact } from './dashboard.compute';
import type { DealChange, DigestDeal } from './digest.compute';
import type { ExchangeRate } from './money.convert';

const DAY_MS = 86_400_000;

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
type HistoryRow = { record_id: string; hlc: string; stage: string | null; status: string | null };
type StageRow = { id: string; stages: string };

/** Activities counted per author, kind and local day (the database does the counting). */
export interface ActivityCount {
  readonly authorId: string;
  readonly kind: ActivityKind;
  readonly day: string;
  readonly count: number;
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

  /** The live deals of a pipeline as dashboard facts. */
  dealFacts(pipelineId: string): DealFact[] {
    const stages = this.stagesOf(pipelineId) ?? [];
    const stageProbability = new Map(stages.map((s) => [s.id, s.probability]));
    const rows = this.db
      .prepare<[string], DealRow>(
        `SELECT id, owner_id, pipeline_id, stage_id, status, amount_minor, currency, probability,
                expected_close_date, created_at
         FROM crm_deals WHERE pipeline_id = ? AND deleted_at IS NULL`,
      )
      .all(pipelineId);
    const lastActivity = new Map(
      this.db
        .prepare<[string], { deal_id: string; at: number }>(
          `SELECT a.deal_id, max(a.occurred_at) AS at FROM crm_activities a JOIN crm_deals d ON d.id = a.deal_id
           WHERE d.pipeline_id = ? AND a.deleted_at IS NULL GROUP BY a.deal_id`,
        )
        .all(pipelineId)
        .map((r) => [r.deal_id, r.at]),
    );
    const history = this.history(pipelineId);
    return rows.map((row) => {
      const past = history.get(row.id);
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
        closedAt: status === 'open' ? null : (past?.closedAt ?? row.created_at),
        lastActivityAt: lastActivity.get(row.id) ?? null,
        stagesEntered: [...new Set([...(past?.stages ?? []), row.stage_id])],
      } satisfies DealFact;
    });
  }

  /** Per deal: every stage it was in and when its status last turned won or lost, from the op log. */
  private history(pipelineId: string): Map<string, { stages: string[]; closedAt: number | null }> {
    const rows = this.db
      .prepare<[string], HistoryRow>(
        `SELECT o.record_id, o.hlc, json_extract(o.fields, '$.stageId') AS stage,
                json_extract(o.fields, '$.status') AS status
         FROM crm_oplog o JOIN crm_deals d ON d.id = o.record_id
         WHERE d.pipeline_id = ? AND o.entity = 'deal' AND o.fields IS NOT NULL
         ORDER BY o.record_id, o.hlc`,
      )
      .all(pipelineId);
    const out = new Map<string, { stages: string[]; closedAt: number | null }>();
    for (const row of rows) {
      let entry = out.get(row.record_id);
      if (!entry) out.set(row.record_id, (entry = { stages: [], closedAt: null }));
      if (typeof row.stage === 'string') entry.stages.push(row.stage);
      if (row.status === 'won' || row.status === 'lost')
        entry.closedAt = parseHlc(row.hlc)?.wall ?? entry.closedAt;
      else if (row.status === 'open') entry.closedAt = null;
    }
    return out;
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
  rates(): (ExchangeRate & { readonly base: string; readonly updatedAt: number })[] {
    return this.db
      .prepare<
        [],
        { base: string; currency: string; effective_from: string; per_unit: number; updated_at: number }
      >(
        'SELECT base, currency, effective_from, per_unit, updated_at FROM crm_exchange_rates WHERE deleted_at IS NULL',
      )
      .all()
      .map((r) => ({
        base: r.base,
        currency: r.currency,
        effectiveFrom: r.effective_from,
        perUnit: r.per_unit,
        updatedAt: r.updated_at,
      }));
  }

  /** Every live quota, in its own currency. */
  quotas(): { memberId: string; month: string; amountMinor: number; currency: string }[] {
    return this.db
      .prepare<[], { member_id: string; month: string; amount_minor: number; currency: string }>(
        'SELECT member_id, month, amount_minor, currency FROM crm_quotas WHERE deleted_at IS NULL',
      )
      .all()
      .map((r) => ({
        memberId: r.member_id,
        month: r.month,
        amountMinor: r.amount_minor,
        currency: r.currency,
      }));
  }

  /** Live activities between two instants, counted per author, kind and local day. */
  activityCounts(fromMs: number, toMs: number, utcOffsetMinutes: number): ActivityCount[] {
    const offset = utcOffsetMinutes * 60_000;
    return this.db
      .prepare<[number, number, number], { author: string; kind: ActivityKind; dayNo: number; n: number }>(
        `SELECT created_by AS author, kind, (occurred_at + ?) / ${DAY_MS} AS dayNo, count(*) AS n
         FROM crm_activities WHERE occurred_at >= ? AND occurred_at < ? AND deleted_at IS NULL
         GROUP BY created_by, kind, dayNo`,
      )
      .all(offset, fromMs, toMs)
      .map((r) => ({
        authorId: r.author,
        kind: r.kind,
        day: new Date(r.dayNo * DAY_MS).toISOString().slice(0, 10),
        count: r.n,
      }));
  }
}
