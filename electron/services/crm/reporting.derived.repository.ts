import type Database from 'better-sqlite3-multiple-ciphers';
import { parseHlc } from '../../../shared/domain/hlc';
import type { Db } from '../db/database';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

const DAY_MS = 86_400_000;

/** Joins the stages a deal entered in `crm_deal_report.stages` (no stage id holds it). */
export const STAGE_SEPARATOR = '\u001f';

/** The UTC day number of an instant (floor, also before 1970). */
export function utcDayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The same floor in SQL: integer division truncates toward zero, so step back one for negatives. */
const SQL_DAY = `(a.occurred_at / ${DAY_MS} - (a.occurred_at % ${DAY_MS} < 0))`;

/** What an activity row contributes to the reporting tables (null: not live, contributes nothing). */
export interface ActivityContribution {
  readonly author: string;
  readonly kind: string;
  readonly occurredAt: number;
  readonly dealId: string | null;
}

/** One stage-or-status op of a deal, oldest first. */
export interface DealOp {
  readonly hlc: string;
  readonly stage: unknown;
  readonly status: unknown;
}

/** One stint of a deal in a stage: from the op that moved it there to the op that moved it on. */
export interface StageStint {
  readonly stageId: string;
  readonly enteredHlc: string;
  readonly enteredAt: number;
  readonly leftHlc: string | null;
  readonly leftAt: number | null;
}

/**
 * A deal's stage history and close time from its ops in HLC order: a stint starts whenever an op
 * names a stage other than the current one; the close time is the wall clock of the newest op that
 * set the status to won or lost, cleared by a later reopening. A function of the log alone, so every
 * replica derives the same rows whatever order the ops arrived in.
 */
export function foldDealOps(ops: readonly DealOp[]): { stints: StageStint[]; closedAt: number | null } {
  const stints: StageStint[] = [];
  let closedAt: number | null = null;
  for (const op of ops) {
    const wall = parseHlc(op.hlc)?.wall ?? 0;
    const last = stints[stints.length - 1];
    if (typeof op.stage === 'string' && op.stage !== last?.stageId) {
      if (last) stints[stints.length - 1] = { ...last, leftHlc: op.hlc, leftAt: wall };
      stints.push({ stageId: op.stage, enteredHlc: op.hlc, enteredAt: wall, leftHlc: null, leftAt: null });
    }
    if (op.status === 'won' || op.status === 'lost') closedAt = wall;
    else if (op.status === 'open') closedAt = null;
  }
  return { stints, closedAt };
}

/**
 * SQL of the reporting tables the one writer keeps (crm migration 13), in the transaction of each
 * change: per deal its stage stints (`crm_deal_stage_history`), close time and newest linked
 * activity (`crm_deal_report`), and live activities counted per author, kind and UTC day
 * (`crm_activity_days`). Each is a function of the op log and record rows, rebuilt per record
 * written, so remote ops in any order, duplicates, conflicts, undo, deletes and merges (all of them
 * changes through the writer) leave the same rows a rebuild from scratch writes.
 */
export class ReportingDerivedRepository {
  private readonly activityRow: Statement<
    [string],
    { author: string; kind: string; occurred_at: number; deal_id: string | null; deleted_at: number | null }
  >;
  private readonly bump: Statement<[number, string, string, number]>;
  private readonly dropEmpty: Statement<[number, string, string]>;
  private readonly lastActivity: Statement<[string, string]>;
  private readonly dealOps: Statement<[string], DealOp>;
  private readonly dropStints: Statement<[string]>;
  private readonly addStint: Statement<
    [string, number, string, string, number, string | null, number | null]
  >;
  private readonly setClosed: Statement<[string, number | null, string | null]>;
  private bulk: Record<'stints' | 'closed' | 'days' | 'last', Statement<[string]>> | null = null;

  constructor(private readonly db: Db) {
    this.activityRow = db.prepare(
      `SELECT created_by AS author, kind, occurred_at, deal_id, deleted_at FROM crm_activities WHERE id = ?`,
    );
    this.bump = db.prepare(
      `INSERT INTO crm_activity_days (day, author, kind, n) VALUES (?, ?, ?, ?)
       ON CONFLICT (day, author, kind) DO UPDATE SET n = n + excluded.n`,
    );
    this.dropEmpty = db.prepare(
      'DELETE FROM crm_activity_days WHERE day = ? AND author = ? AND kind = ? AND n <= 0',
    );
    this.lastActivity = db.prepare(
      `INSERT INTO crm_deal_report (deal_id, last_activity_at)
       VALUES (?, (SELECT max(occurred_at) FROM crm_activities WHERE deal_id = ? AND deleted_at IS NULL))
       ON CONFLICT (deal_id) DO UPDATE SET last_activity_at = excluded.last_activity_at`,
    );
    this.dealOps = db.prepare(
      `SELECT hlc, json_extract(fields, '$.stageId') AS stage, json_extract(fields, '$.status') AS status
       FROM crm_oplog WHERE record_id = ? AND entity = 'deal' AND fields IS NOT NULL ORDER BY hlc`,
    );
    this.dropStints = db.prepare('DELETE FROM crm_deal_stage_history WHERE deal_id = ?');
    this.addStint = db.prepare(
      `INSERT INTO crm_deal_stage_history (deal_id, seq, stage_id, entered_hlc, entered_at, left_hlc, left_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.setClosed = db.prepare(
      `INSERT INTO crm_deal_report (deal_id, closed_at, stages) VALUES (?, ?, ?)
       ON CONFLICT (deal_id) DO UPDATE SET closed_at = excluded.closed_at, stages = excluded.stages`,
    );
  }

  /** What an activity row counts for now (read before and after a write). */
  activity(id: string): ActivityContribution | null {
    const row = this.activityRow.get(id);
    if (!row || row.deleted_at !== null) return null;
    return { author: row.author, kind: row.kind, occurredAt: row.occurred_at, dealId: row.deal_id };
  }

  /** Moves an activity's count from what it was to what it is, and refreshes the deals it names. */
  activityWritten(before: ActivityContribution | null, after: ActivityContribution | null): void {
    const same =
      before !== null &&
      after !== null &&
      before.author === after.author &&
      before.kind === after.kind &&
      utcDayOf(before.occurredAt) === utcDayOf(after.occurredAt);
    if (!same) {
      if (before) {
        const day = utcDayOf(before.occurredAt);
        this.bump.run(day, before.author, before.kind, -1);
        this.dropEmpty.run(day, before.author, before.kind);
      }
      if (after) this.bump.run(utcDayOf(after.occurredAt), after.author, after.kind, 1);
    }
    const deals = new Set([before?.dealId, after?.dealId]);
    for (const dealId of deals) if (dealId) this.lastActivity.run(dealId, dealId);
  }

  /** Rewrites a deal's stints and close time from its op log. */
  dealWritten(dealId: string): void {
    this.dealFolded(dealId, this.dealOps.all(dealId));
  }

  /** Rewrites a deal's stints and close time from its stage-or-status ops (HLC order), as given. */
  dealFolded(dealId: string, ops: readonly DealOp[]): void {
    const { stints, closedAt } = foldDealOps(ops);
    this.dropStints.run(dealId);
    stints.forEach((s, i) =>
      this.addStint.run(dealId, i, s.stageId, s.enteredHlc, s.enteredAt, s.leftHlc, s.leftAt),
    );
    const entered = [...new Set(stints.map((s) => s.stageId))];
    this.setClosed.run(dealId, closedAt, entered.length === 0 ? null : entered.join(STAGE_SEPARATOR));
  }

  /**
   * New records of a bulk import (one op each, no row before): the same rows `dealWritten` and
   * `activityWritten` would write for each, set-based.
   */
  bulkInserted(kind: string, ids: readonly string[]): void {
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    // CROSS JOIN keeps the id list outermost: one primary-key look-up per new record.
    if (kind === 'deal') {
      this.bulkStatements.stints.run(list);
      this.bulkStatements.closed.run(list);
    } else if (kind === 'activity') {
      this.bulkStatements.days.run(list);
      this.bulkStatements.last.run(list);
    }
  }

  private get bulkStatements(): Record<'stints' | 'closed' | 'days' | 'last', Statement<[string]>> {
    this.bulk ??= {
      // A new deal's one op names its stage (required) and, unless open, its status.
      stints: this.db.prepare(
        `INSERT INTO crm_deal_stage_history (deal_id, seq, stage_id, entered_hlc, entered_at)
         SELECT d.id, 0, d.stage_id, o.hlc, d.created_at
         FROM json_each(?) j CROSS JOIN crm_deals d ON d.id = j.value CROSS JOIN crm_oplog o ON o.record_id = d.id`,
      ),
      closed: this.db.prepare(
        `INSERT INTO crm_deal_report (deal_id, closed_at, stages)
         SELECT d.id, CASE WHEN d.status IN ('won', 'lost') THEN d.created_at END, d.stage_id
         FROM json_each(?) j CROSS JOIN crm_deals d ON d.id = j.value WHERE true
         ON CONFLICT (deal_id) DO UPDATE SET closed_at = excluded.closed_at, stages = excluded.stages`,
      ),
      days: this.db.prepare(
        `INSERT INTO crm_activity_days (day, author, kind, n)
         SELECT ${SQL_DAY}, a.created_by, a.kind, count(*)
         FROM json_each(?) j CROSS JOIN crm_activities a ON a.id = j.value
         WHERE a.deleted_at IS NULL GROUP BY 1, 2, 3
         ON CONFLICT (day, author, kind) DO UPDATE SET n = n + excluded.n`,
      ),
      last: this.db.prepare(
        `INSERT INTO crm_deal_report (deal_id, last_activity_at)
         SELECT a.deal_id, max(a.occurred_at)
         FROM json_each(?) j CROSS JOIN crm_activities a ON a.id = j.value
         WHERE a.deal_id IS NOT NULL AND a.deleted_at IS NULL GROUP BY a.deal_id
         ON CONFLICT (deal_id) DO UPDATE SET last_activity_at =
           max(coalesce(last_activity_at, excluded.last_activity_at), excluded.last_activity_at)`,
      ),
    };
    return this.bulk;
  }

  /** Rebuilds every reporting table from the op log and record rows (migration 13, and checks). */
  rebuild(): void {
    this.db.exec(`
DELETE FROM crm_activity_days;
DELETE FROM crm_deal_report;
DELETE FROM crm_deal_stage_history;
INSERT INTO crm_activity_days (day, author, kind, n)
  SELECT ${SQL_DAY}, a.created_by, a.kind, count(*) FROM crm_activities a WHERE a.deleted_at IS NULL GROUP BY 1, 2, 3;
INSERT INTO crm_deal_report (deal_id, last_activity_at)
  SELECT deal_id, max(occurred_at) FROM crm_activities
  WHERE deal_id IS NOT NULL AND deleted_at IS NULL GROUP BY deal_id;
`);
    const ids = this.db
      .prepare<[], { record_id: string }>(
        `SELECT DISTINCT record_id FROM crm_oplog WHERE entity = 'deal'
         UNION SELECT id FROM crm_deals`,
      )
      .all()
      .map((r) => r.record_id);
    for (const id of ids) this.dealWritten(id);
  }
}
