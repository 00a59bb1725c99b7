import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import { activityDef, dealDef } from '../../../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import { restoreRecord } from '../../../../electron/services/crm/records.restore';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import {
  DashboardComputation,
  type ActivityFact,
  type DealFact,
} from '../../../../electron/services/reports/dashboard.compute';
import { MoneyConverter } from '../../../../electron/services/reports/money.convert';
import { ReportsService } from '../../../../electron/services/reports/reports.service';
import { DEFAULT_PIPELINE_ID, DEFAULT_STAGES } from '../../../../shared/domain/crm.seed';
import { formatHlc, parseHlc } from '../../../../shared/domain/hlc';
import type { DashboardQuery } from '../../../../shared/reports/dashboard.contract';
import { tempDir } from '../../support/tmp';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 7, 30);
const STAGES: string[] = DEFAULT_STAGES.map((s) => s.id);
const KINDS = ['call', 'meeting', 'visit', 'email', 'note'] as const;
const REMOTE = 'remote-device-1';

// ---- Random sequences of changes: local edits, bulk imports, remote ops (late and duplicated), deletes
const stage = fc.constantFrom(...STAGES);
const stepArb = fc.oneof(
  fc.record({
    t: fc.constant('deal' as const),
    stage,
    status: fc.constantFrom('open', 'won', 'lost'),
    owner: fc.constantFrom('m1', 'm2'),
    currency: fc.constantFrom('EUR', 'USD'),
    close: fc.option(fc.integer({ min: 0, max: 90 }), { nil: null }),
  }),
  fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 1, max: 4 }), stage, acts: fc.nat(5) }),
  fc.record({ t: fc.constant('move' as const), i: fc.nat(), stage }),
  fc.record({
    t: fc.constant('status' as const),
    i: fc.nat(),
    status: fc.constantFrom('open', 'won', 'lost'),
  }),
  fc.record({ t: fc.constant('delete' as const), i: fc.nat(), activity: fc.boolean() }),
  fc.record({ t: fc.constant('restore' as const), i: fc.nat(), activity: fc.boolean() }),
  fc.record({
    t: fc.constant('activity' as const),
    kind: fc.constantFrom(...KINDS),
    at: fc.integer({ min: -20 * DAY, max: 90 * DAY }),
    deal: fc.option(fc.nat(), { nil: null }),
  }),
  fc.record({
    t: fc.constant('editActivity' as const),
    i: fc.nat(),
    at: fc.integer({ min: -20 * DAY, max: 90 * DAY }),
    kind: fc.constantFrom(...KINDS),
  }),
  // A remote op stamped up to 5 days in the past: it may sort before local ops already applied.
  fc.record({
    t: fc.constant('remote' as const),
    i: fc.nat(),
    back: fc.integer({ min: 0, max: 5 * DAY }),
    values: fc.oneof(
      stage.map((s) => ({ stageId: s })),
      fc.constantFrom('open', 'won', 'lost').map((s) => ({ status: s })),
      fc.constant({ deletedAt: T0 }),
      fc.constant({ deletedAt: null }),
    ),
  }),
  fc.record({ t: fc.constant('remoteActivity' as const), kind: fc.constantFrom(...KINDS), deal: fc.nat() }),
  fc.record({ t: fc.constant('redeliver' as const), i: fc.nat() }),
  fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 3 * DAY }) }),
);
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function open(): { db: Db; svc: CrmService; clock: { now: number } } {
  const db = openEncryptedDatabase(path.join(tempDir('fv-derived-'), 'crm.db'), randomBytes(32));
  migrate(db, [crmMigrations]);
  const clock = { now: T0 };
  return { db, svc: new CrmService(db, () => clock.now), clock };
}

function run(svc: CrmService, clock: { now: number }, steps: readonly Step[]): void {
  const deals: string[] = [];
  const acts: string[] = [];
  const sent: Change[] = [];
  let counter = 0;
  const pick = (list: readonly string[], i: number) => (list.length ? list[i % list.length] : undefined);
  const remote = (change: Omit<Change, 'opId' | 'deviceId'>) => {
    const full: Change = { ...change, opId: randomUUID(), deviceId: REMOTE };
    sent.push(full);
    svc.writer.apply([full], 'remote', { referenceMs: clock.now });
  };
  const stamp = (back: number) => formatHlc({ wall: clock.now - back, counter: counter++, deviceId: REMOTE });
  for (const s of steps) {
    clock.now += 1000;
    try {
      switch (s.t) {
        case 'deal':
          deals.push(
            svc.create(dealDef, {
              name: 'D',
              pipelineId: DEFAULT_PIPELINE_ID,
              stageId: s.stage,
              amountMinor: 1000 + deals.length,
              currency: s.currency,
              ownerId: s.owner,
              status: s.status,
              expectedCloseDate:
                s.close === null ? null : new Date(T0 + s.close * DAY).toISOString().slice(0, 10),
            }).id,
          );
          break;
        case 'bulk': {
          const ids = svc.createMany(
            dealDef,
            Array.from({ length: s.n }, (_, k) => ({
              name: `B${k}`,
              pipelineId: DEFAULT_PIPELINE_ID,
              stageId: s.stage,
              amountMinor: 5 + k,
              status: k % 3 === 1 ? 'won' : 'open',
            })),
          );
          deals.push(...ids);
          acts.push(
            ...svc.createMany(
              activityDef,
              Array.from({ length: s.acts }, (_, k) => ({
                kind: KINDS[k % KINDS.length],
                occurredAt: clock.now - k * 7 * 3_600_000,
                dealId: ids[k % ids.length],
              })),
            ),
          );
          break;
        }
        case 'move': {
          const id = pick(deals, s.i);
          if (id) svc.update(dealDef, id, { stageId: s.stage });
          break;
        }
        case 'status': {
          const id = pick(deals, s.i);
          if (id) svc.update(dealDef, id, { status: s.status });
          break;
        }
        case 'delete': {
          const id = pick(s.activity ? acts : deals, s.i);
          if (id && s.activity) svc.delete(activityDef, id);
          else if (id) svc.delete(dealDef, id);
          break;
        }
        case 'restore': {
          const id = pick(s.activity ? acts : deals, s.i);
          if (id && s.activity) restoreRecord(svc, activityDef, id);
          else if (id) restoreRecord(svc, dealDef, id);
          break;
        }
        case 'activity':
          acts.push(
            svc.create(activityDef, {
              kind: s.kind,
              occurredAt: T0 + s.at,
              dealId: s.deal === null ? null : (pick(deals, s.deal) ?? null),
            }).id,
          );
          break;
        case 'editActivity': {
          const id = pick(acts, s.i);
          if (id) svc.update(activityDef, id, { occurredAt: T0 + s.at, kind: s.kind });
          break;
        }
        case 'remote': {
          const id = pick(deals, s.i);
          if (id)
            remote({ entity: 'deal', recordId: id, hlc: stamp(s.back), fields: JSON.stringify(s.values) });
          break;
        }
        case 'remoteActivity': {
          const id = randomUUID();
          remote({
            entity: 'activity',
            recordId: id,
            hlc: stamp(0),
            fields: JSON.stringify({
              kind: s.kind,
              occurredAt: clock.now - DAY,
              dealId: pick(deals, s.deal) ?? null,
            }),
          });
          acts.push(id);
          break;
        }
        case 'redeliver': {
          const again = sent[s.i % Math.max(1, sent.length)];
          if (again) svc.writer.apply([again], 'remote', { referenceMs: clock.now });
          break;
        }
        case 'wait':
          clock.now += s.ms;
          break;
      }
    } catch (e) {
      // A refused change (a link to a deleted deal, restoring a live record) writes nothing.
      if (!(e instanceof Error && 'code' in e)) throw e;
    }
  }
}

// ---- The reference: every figure's inputs from scratch, the way the dashboard read them before ----
function referenceDeals(db: Db): DealFact[] {
  const ops = db
    .prepare<[], { record_id: string; hlc: string; stage: unknown; status: unknown }>(
      `SELECT record_id, hlc, json_extract(fields, '$.stageId') AS stage, json_extract(fields, '$.status') AS status
       FROM crm_oplog WHERE entity = 'deal' AND fields IS NOT NULL ORDER BY record_id, hlc`,
    )
    .all();
  const past = new Map<string, { stages: string[]; closedAt: number | null }>();
  for (const op of ops) {
    let p = past.get(op.record_id);
    if (!p) past.set(op.record_id, (p = { stages: [], closedAt: null }));
    if (typeof op.stage === 'string') p.stages.push(op.stage);
    if (op.status === 'won' || op.status === 'lost') p.closedAt = parseHlc(op.hlc)?.wall ?? null;
    else if (op.status === 'open') p.closedAt = null;
  }
  const rows = db
    .prepare<
      [],
      {
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
      }
    >('SELECT * FROM crm_deals WHERE deleted_at IS NULL')
    .all();
  const prob = new Map<string, number>(DEFAULT_STAGES.map((s) => [s.id, s.probability]));
  return rows.map((r) => {
    const status = r.status === 'won' || r.status === 'lost' ? r.status : 'open';
    const p = past.get(r.id);
    const last = db
      .prepare<[string], { at: number | null }>(
        'SELECT max(occurred_at) AS at FROM crm_activities WHERE deal_id = ? AND deleted_at IS NULL',
      )
      .get(r.id);
    return {
      id: r.id,
      ownerId: r.owner_id,
      pipelineId: r.pipeline_id,
      stageId: r.stage_id,
      status,
      amountMinor: r.amount_minor,
      currency: r.currency,
      probability: r.probability ?? prob.get(r.stage_id) ?? 0,
      expectedCloseDate: r.expected_close_date,
      createdAt: r.created_at,
      closedAt: status === 'open' ? null : (p?.closedAt ?? r.created_at),
      lastActivityAt: last?.at ?? null,
      stagesEntered: [...new Set([...(p?.stages ?? []), r.stage_id])],
    };
  });
}

function referenceActivities(db: Db, offsetMinutes: number): ActivityFact[] {
  return db
    .prepare<[], { created_by: string; kind: (typeof KINDS)[number]; occurred_at: number }>(
      'SELECT created_by, kind, occurred_at FROM crm_activities WHERE deleted_at IS NULL',
    )
    .all()
    .map((a) => ({
      authorId: a.created_by,
      kind: a.kind,
      day: new Date(a.occurred_at + offsetMinutes * 60_000).toISOString().slice(0, 10),
      count: 1,
    }));
}

function derivedTables(db: Db): unknown {
  return {
    stints: db.prepare('SELECT * FROM crm_deal_stage_history ORDER BY deal_id, seq').all(),
    report: db.prepare('SELECT * FROM crm_deal_report ORDER BY deal_id').all(),
    days: db.prepare('SELECT * FROM crm_activity_days WHERE n != 0 ORDER BY day, author, kind').all(),
  };
}

const rates = [{ currency: 'USD', effectiveFrom: '2026-01-01', perUnit: 0.9 }];

describe('derived reporting tables (crm migration 13)', () => {
  it('kept change by change equal a rebuild from scratch, and the dashboard equals the op-log reference', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.record({
          from: fc.integer({ min: -10, max: 40 }),
          length: fc.integer({ min: 0, max: 80 }),
          today: fc.integer({ min: 0, max: 100 }),
          offset: fc.constantFrom(-300, 0, 60, 330, 480, 840),
          stale: fc.integer({ min: 1, max: 30 }),
        }),
        (steps, qa) => {
          const { db, svc, clock } = open();
          try {
            run(svc, clock, steps);
            const kept = derivedTables(db);
            svc.writer.derived.rebuild();
            expect(derivedTables(db)).toEqual(kept);

            const day = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);
            const query: DashboardQuery = {
              pipelineId: DEFAULT_PIPELINE_ID,
              from: day(qa.from),
              to: day(qa.from + qa.length),
              today: day(qa.today),
              utcOffsetMinutes: qa.offset,
              memberIds: null,
              staleDays: qa.stale,
            };
            const got = new ReportsService(svc, {
              defaultCurrency: () => 'EUR',
              dealCurrencies: () => ['EUR'],
              rates: () => rates,
              quotas: () => [],
            }).dashboard(query);
            const want = new DashboardComputation(
              query,
              referenceDeals(db),
              STAGES,
              new MoneyConverter('EUR', rates),
            ).figures(referenceActivities(db, qa.offset), []);
            expect(got).toEqual(want);
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('migration 13 builds the tables for a vault written before it', () => {
    const { db, svc, clock } = open();
    run(svc, clock, [
      { t: 'deal', stage: 'lead', status: 'open', owner: 'm1', currency: 'EUR', close: 3 },
      { t: 'move', i: 0, stage: 'proposal' },
      { t: 'activity', kind: 'call', at: DAY, deal: 0 },
      { t: 'status', i: 0, status: 'won' },
    ]);
    const kept = derivedTables(db);
    db.exec(`DROP TABLE crm_deal_stage_history; DROP TABLE crm_deal_report; DROP TABLE crm_activity_days;
      DROP INDEX crm_activities_report; ALTER TABLE crm_oplog DROP COLUMN elided;
      DELETE FROM schema_migrations WHERE domain = 'crm' AND version >= 13;`);
    migrate(db, [crmMigrations]);
    expect(derivedTables(db)).toEqual(kept);
    const stints = db
      .prepare('SELECT stage_id, left_at IS NULL AS current FROM crm_deal_stage_history')
      .all();
    expect(stints).toEqual([
      { stage_id: 'lead', current: 0 },
      { stage_id: 'proposal', current: 1 },
    ]);
    db.close();
  });
});
