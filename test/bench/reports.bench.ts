import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Page } from '@playwright/test';
import { CHROMIUM_PATH, launchChromium } from '../support/chromium';
import { startDevHost, type DevHost } from '../../electron/devhost/host';
import { UnsupportedAuthenticator } from '../../electron/services/auth/os-authenticator';
import { activityDef, dealDef, exchangeRateDef, quotaDef } from '../../electron/services/crm/crm.entities';
import type { CrmService } from '../../electron/services/crm/crm.service';
import type { SenderInfo } from '../../electron/services/ipc/router';
import { createSenderPolicy } from '../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../electron/services/log/logger';
import { MemoryPolicySource } from '../../electron/services/policy/policy.memory';
import { reportInputsOf } from '../../electron/services/reports/reports.inputs';
import { ReportsService } from '../../electron/services/reports/reports.service';
import { createServices, type Services } from '../../electron/services/services';
import { allowListConfirmation } from '../../electron/services/sync/server.confirmation';
import { DEFAULT_PIPELINE_ID } from '../../shared/domain/crm.seed';
import type { DashboardQuery } from '../../shared/reports/dashboard.contract';
import { median, result, type BenchResult, type BenchSuite } from './bench.types';
import { rng } from './crm.bench';

const DAY = 86_400_000;
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'closing'];
const benchSender: SenderInfo = { transport: 'test', url: 'bench://reports', isMainFrame: true };

/** 50k deals (a fifth moved on, a quarter won or lost, four currencies, 20 owners), 500k activities. */
function seed(svc: CrmService, sizes: { deals: number; activities: number }, now: number): void {
  const r = rng(7);
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
  for (const [currency, perUnit] of [
    ['CNY', 0.13],
    ['USD', 0.92],
  ] as const)
    svc.create(exchangeRateDef, { base: 'EUR', currency, effectiveFrom: '2020-01-01', perUnit });
  const month = new Date(now).toISOString().slice(0, 7);
  for (let m = 0; m < 20; m++)
    svc.create(quotaDef, { memberId: `member${m}`, month, amountMinor: 5e8, currency: 'EUR' });
}

/** Clicks a nav item and times until the dashboard's four charts say they are painted, plus a frame. */
async function dashboardPaint(page: Page): Promise<number> {
  const value: unknown = await page.evaluate(`(async () => {
    const start = performance.now();
    document.querySelector('[data-nav="dashboard"]').click();
    await new Promise((resolve) => {
      const check = () =>
        document.querySelectorAll('[data-testid="dashboard"] .chart[data-painted="true"]').length === 4
          ? requestAnimationFrame(() => resolve())
          : requestAnimationFrame(check);
      check();
    });
    return performance.now() - start;
  })()`);
  if (typeof value !== 'number') throw new Error('page returned no number');
  return value;
}

/** Baseline: the dashboard's own query as one raw reports.dashboard call from the page (no rendering). */
async function rawDashboard(page: Page): Promise<number> {
  const value: unknown = await page.evaluate(`(async () => {
    const now = new Date();
    const d = (x) => x.getFullYear() + '-' + String(x.getMonth() + 1).padStart(2, '0') + '-' + String(x.getDate()).padStart(2, '0');
    const q = Math.floor(now.getMonth() / 3) * 3;
    const query = {
      pipelineId: ${JSON.stringify(DEFAULT_PIPELINE_ID)},
      from: d(new Date(now.getFullYear(), q, 1)),
      to: d(new Date(now.getFullYear(), q + 3, 0)),
      today: d(now),
      utcOffsetMinutes: -now.getTimezoneOffset(),
      memberIds: null,
      staleDays: 30,
    };
    const start = performance.now();
    await window.crm.invoke('reports.dashboard', query);
    return performance.now() - start;
  })()`);
  if (typeof value !== 'number') throw new Error('page returned no number');
  return value;
}

/**
 * The manager's dashboard over 50k deals (a fifth moved back and forth between stages, a quarter won
 * or lost, four currencies) and 500k activities, on the vault's own settings. Baseline: the two bare
 * GROUP BY statements any dashboard needs at least (deals by stage, activities by kind and day).
 */
export const reportsBench: BenchSuite = {
  name: 'reports',
  async run(ctx) {
    const sizes = ctx.quick ? { deals: 5_000, activities: 50_000 } : { deals: 50_000, activities: 500_000 };
    const root = path.resolve(import.meta.dirname, '../..');
    const rendererDir = path.join(root, 'out/renderer');
    const bridgeFile = path.join(root, 'out/devhost/bridge.js');
    const canPaint =
      existsSync(path.join(rendererDir, 'index.html')) && existsSync(bridgeFile) && existsSync(CHROMIUM_PATH);
    if (!canPaint) ctx.log('reports: no paint rows (build the renderer with npm run build; Chromium needed)');
    const dataDir = path.join(ctx.dir, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    let services: Services | null = null;
    const make = (origin: string) =>
      (services = createServices({
        dataDir,
        appInfo: { name: 'FieldVault', version: 'bench', platform: 'linux' },
        logger: silentLogger,
        isTrustedSender: createSenderPolicy({ devHostOrigin: origin, allowTestSender: true }),
        keychain: new MemoryKeychain(),
        policy: new MemoryPolicySource(),
        serverConfirmation: allowListConfirmation(),
        authenticator: new UnsupportedAuthenticator('No OS user check in this bench'),
      }));
    // The vault of the shipped composition (its own database settings), behind the dev host when the
    // renderer is built, so the paint rows read the same vault the compute rows measure.
    const host: DevHost | null = canPaint
      ? await startDevHost({ rendererDir, bridgeFile, port: 0, createServices: make })
      : null;
    const started: Services = services ?? make('http://127.0.0.1:9');
    try {
      const setup = await started.router.dispatch('vault.setup', undefined, benchSender);
      if (!setup.ok) throw new Error(`vault.setup failed: ${setup.error.code}`);
      const confirmed = await started.router.dispatch('vault.confirmRecoveryCode', undefined, benchSender);
      if (!confirmed.ok) throw new Error(`vault.confirmRecoveryCode failed: ${confirmed.error.code}`);
      const svc = started.parts.crm();
      const now = Date.now();
      const t0 = performance.now();
      seed(svc, sizes, now);
      ctx.log(
        `reports: populated ${sizes.deals} deals, ${sizes.activities} activities in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const rows = compute(svc, sizes, now);
      if (host) rows.push(...(await paint(host, sizes, ctx.quick)));
      return rows;
    } finally {
      await host?.close();
      await started.dispose();
    }
  },
};

/** The dashboard computed in main over the seeded vault, against two bare GROUP BYs over the same rows. */
function compute(svc: CrmService, sizes: { deals: number; activities: number }, now: number): BenchResult[] {
  const reports = new ReportsService(svc, reportInputsOf(svc));
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const today = new Date(now);
  const q = Math.floor(today.getUTCMonth() / 3) * 3;
  const query: DashboardQuery = {
    pipelineId: DEFAULT_PIPELINE_ID,
    from: day(Date.UTC(today.getUTCFullYear(), q, 1)),
    to: day(Date.UTC(today.getUTCFullYear(), q + 3, 0)),
    today: day(now),
    // Not whole days from UTC: every local week boundary splits a UTC day.
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
  const db = svc.db;
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
  const rows: BenchResult[] = [
    result(
      `reports.dashboard compute (${sizes.deals / 1000}k deals, ${sizes.activities / 1000}k activities)`,
      median(times),
      'ms',
      median(base),
      '< 200 ms',
    ),
  ];
  return rows;
}

/** From the nav click to the dashboard's charts painted in Chromium, against the raw call behind them. */
async function paint(
  host: DevHost,
  sizes: { deals: number; activities: number },
  quick: boolean,
): Promise<BenchResult[]> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(host.pageUrl);
    await page.getByRole('navigation').waitFor();
    const ui: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < (quick ? 3 : 7); i++) {
      await page.locator('[data-nav="home"]').click();
      await page.getByTestId('home-ready').or(page.getByTestId('empty-home')).waitFor();
      raw.push(await rawDashboard(page));
      const ms = await dashboardPaint(page);
      if (i > 0) ui.push(ms);
    }
    return [
      result(
        `reports.dashboard paint: nav click -> 4 charts painted in Chromium (${sizes.deals / 1000}k deals, ${sizes.activities / 1000}k activities), median`,
        median(ui),
        'ms',
        median(raw),
        '< 500 ms',
      ),
    ];
  } finally {
    await browser.close();
  }
}
