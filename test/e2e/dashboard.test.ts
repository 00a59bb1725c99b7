import type { Page } from '@playwright/test';
import {
  expectAccessible,
  expectNoEnglish,
  firstRun,
  go,
  setLanguage,
  setTheme,
  shot,
  watchErrors,
} from './support/app';
import { expect, test } from './support/devhost';

/** Seeds deals in every state and activities, through the page's own bridge. */
async function seed(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    const ok = (r) => { if (!r.ok) throw new Error(r.error.code); return r.value; };
    const pipelines = ok(await window.crm.invoke('pipelines.list', {}));
    const pipelineId = pipelines.items[0].id;
    const stages = pipelines.items[0].stages.map((s) => s.id);
    const now = new Date();
    const day = (offset) => {
      const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset);
      return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
    };
    const deals = [];
    for (let n = 0; n < 24; n++) {
      deals.push(ok(await window.crm.invoke('deals.create', {
        name: 'Deal ' + n,
        pipelineId,
        stageId: stages[n % stages.length],
        amountMinor: (n + 1) * 100000,
        currency: 'EUR',
        ownerId: ['li', 'anna', 'sam'][n % 3],
        expectedCloseDate: day((n % 6) * 7 - 14),
      })));
    }
    for (const d of deals.slice(0, 4)) ok(await window.crm.invoke('deals.update', { id: d.id, patch: { status: 'won' } }));
    for (const d of deals.slice(4, 6)) ok(await window.crm.invoke('deals.update', { id: d.id, patch: { status: 'lost' } }));
    for (let n = 0; n < 30; n++) {
      ok(await window.crm.invoke('activities.create', {
        kind: ['call', 'visit', 'meeting', 'email'][n % 4],
        occurredAt: Date.now() - n * 86400000,
        dealId: deals[n % deals.length].id,
      }));
    }
  })()`);
}

for (const language of ['en', 'zh-CN'] as const) {
  test(`dashboard (${language}): figures from the vault, charts with data tables, drill-down to the deals`, async ({
    page,
    host,
  }) => {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    if (language === 'zh-CN') await setLanguage(page, 'zh-CN');
    await seed(page);
    await go(page, 'dashboard');
    const winRate = page.getByTestId('tile-winrate');
    // 4 won and 2 lost this quarter: 66.7 %.
    await expect(winRate).toContainText('66.7');
    await expect(page.getByTestId('chart-pipeline').locator('canvas').first()).toBeVisible();
    await shot(page, `dashboard-${language}-light`);
    await setTheme(page, 'dark');
    await shot(page, `dashboard-${language}-dark`);
    await setTheme(page, 'light');

    // The table view of the forecast holds the same numbers; a cell drills down to its deals.
    await page
      .getByTestId('chart-pipeline')
      .getByRole('button', { name: /table|表格/ })
      .click();
    const table = page.getByTestId('chart-pipeline-table');
    await expect(table).toBeVisible();
    await table.locator('tbody tr').first().getByRole('button').first().click();
    const drill = page.getByTestId('dashboard-drill');
    await expect(drill).toBeVisible();
    await expect(drill.getByTestId('drill-row').first()).toBeVisible();
    const rows = await drill.getByTestId('drill-row').count();
    await expect(drill.getByTestId('drill-total')).toContainText(String(rows));
    await page.getByTestId('tile-slipping').click();
    await expect(drill.getByTestId('drill-row').first()).toBeVisible();
    await drill.getByTestId('drill-row').first().getByRole('button').click();
    await expect(page.locator('[data-screen="record-deal"]')).toBeVisible();
    await go(page, 'dashboard');
    await expectAccessible(page, `dashboard ${language}`);
    if (language === 'zh-CN') await expectNoEnglish(page, 'dashboard zh-CN');
    expect(errors).toEqual([]);
  });
}
