import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { activityDef, dealDef } from '../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../electron/services/crm/crm.migrations';
import { CrmService } from '../../electron/services/crm/crm.service';
import { openEncryptedDatabase } from '../../electron/services/db/database';
import { migrate } from '../../electron/services/db/migrate';
import { ReportsService } from '../../electron/services/reports/reports.service';
import { DEFAULT_PIPELINE_ID } from '../../shared/domain/crm.seed';
import type { DashboardQuery } from '../../shared/reports/dashboard.contract';
import { median, result, type BenchResult, type BenchSuite } from './bench.types';
import { rng } from './crm.bench';

const DAY = 86_400_000;
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'closing'];

/**
 * The manager's dashboard over 50k deals (a fifth moved back and forth between stages, a quarter won
 * or lost, four currencies) and 500k activities, on the vault's own settings. Baseline: the two bare
 * GROUP BY statements any dashboard needs at least (deals by stage, activities by kind and day).
 */
export const reportsBench: BenchSuite = {
  name: 'reports',
  run(ctx) {
    const sizes = ctx.quick ? { deals: 5_000, activities: 50_000 } : { deals: 50_000, activities: 500_000 };
    const db = openEncryptedDatabase(path.join(ctx.dir, 'reports.db'), randomBytes(32));
    migrate(db, [crmMigrations]);
    const now = Date.UTC(2026, 9, 15);
    const svc = new CrmService(db, () => now);
    const r = rng(7);
    const t0 = performance.now();
    const dealIds = svc.createMany(
      dealDef,
      Array.from({ length: sizes.deals }, (_, i) => ({
        name: `Deal ${i}`,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: STAGES[i % STAGES.length],
        position: i,
        amountMinor: Math.floor(r() * 1e7),
        currency: ['EUR', 'EUR', 'CNY', 'USD'][i % 4],
        ownerId: `member${i % 20}`,
        expectedCloseDate: new Date(now + Math.floor((r() - 0.3) * 200) * DAY).toISOString().slice(0, 10),
      })),
    );
    svc.tx(() => {
      dealIds.forEach((id, i) => {
        if (i % 5 === 0) svc.update(dealDef, id, { stageId: STAGES[(i + 2) % STAGES.length] });
        if (i % 4 === 1) svc.update(dealDef, id, { status: i % 8 === 1 ? 'won' : 'lost' });
      });
    });
    svc.createMany(
      activityDef,
      Array.from({ length: sizes.activities }, (_, i) => ({
        kind: (['call', 'meeting', 'visit', 'email', 'note'] as const)[i % 5],
        occurredAt: now - Math.floor(r() * 180 * DAY),
        dealId: dealIds[i % dealIds.length],
      })),
    );
    ctx.log(
      `reports: populated ${sizes.deals} deals, ${sizes.activities} activities in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const reports = new ReportsService(svc, {
      defaultCurrency: () => 'EUR',
      rates: () => [
        { currency: 'CNY', effectiveFrom: '2026-01-01', perUnit: 0.13 },
        { currency: 'USD', effectiveFrom: '2026-01-01', perUnit: 0.92 },
      ],
      quotas: () =>
        Array.from({ length: 20 }, (_, m) => ({
          memberId: `member${m}`,
          month: '2026-10',
          amountMinor: 5e8,
          currency: 'EUR',
        })),
    });
    const query: DashboardQuery = {
      pipelineId: DEFAULT_PIPELINE_ID,
      from: '2026-07-01',
      to: '2026-12-31',
      today: '2026-10-15',
      utcOffsetMinutes: 60,
      memberIds: null,
      staleDays: 30,
    };
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      reports.dashboard(query);
      if (i > 0) times.push(performance.now() - t);
    }
    const byStage = db.prepare(
      'SELECT stage_id, count(*), sum(amount_minor) FROM crm_deals WHERE deleted_at IS NULL GROUP BY stage_id',
    );
    const byDay = db.prepare(
      'SELECT kind, occurred_at / 86400000 AS d, count(*) FROM crm_activities WHERE deleted_at IS NULL GROUP BY kind, d',
    );
    const base: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      byStage.all();
      byDay.all();
      if (i > 0) base.push(performance.now() - t);
    }
    db.close();
    const rows: BenchResult[] = [
      result(
        `reports.dashboard compute (${sizes.deals / 1000}k deals, ${sizes.activities / 1000}k activities)`,
        median(times),
        'ms',
        median(base),
        '< 200 ms',
      ),
    ];
    return Promise.resolve(rows);
  },
};
