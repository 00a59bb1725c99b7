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

/**
 * Seeds deals in every state and activities, through the page's own bridge: a third owned by this
 * device's member (Li), the rest by owners typed as text before members existed.
 */
async function seed(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    const ok = (r) => { if (!r.ok) throw new Error(r.error.code); return r.value; };
    const pipelines = ok(await window.crm.invoke('pipelines.list', {}));
    const pipelineId = pipelines.items[0].id;
    const li = ok(await window.crm.invoke('members.list', {})).selfId;
    const stages = pipelines.items[0].stages.map((s) => s.id);
    const now = new Date();
    const day = (offset) => {
      const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset);
      return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
    };
    const deals = [];
    for (let n = 0; n < 24; n++) {
      deals.push(ok(await window.crm.invoke('deals.create', {
        name: 'Opp ' + n,
        pipelineId,
        stageId: stages[n % stages.length],
        amountMinor: (n + 1) * 100000,
        currency: n % 5 === 0 ? 'CNY' : 'EUR',
        ownerId: [li, 'anna', 'sam'][n % 3],
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
    // This device is the vault's one member: Li.
    await go(page, 'settings');
    const people = page.getByTestId('members-settings');
    await people.getByTestId('member-edit').click();
    await people.getByTestId('member-name').fill('Li');
    await people.getByTestId('member-save').click();
    await expect(people.locator('tr[data-member="Li"]')).toBeVisible();
    await seed(page);
    await go(page, 'dashboard');
    // CNY deals and no rate yet: they are counted apart, said so, never added as euros.
    await expect(page.getByTestId('dashboard-unconverted')).toBeVisible();

    // A manager sets a CNY rate and Li's quota for this month in Settings.
    await go(page, 'settings');
    const settings = page.getByTestId('reporting-settings');
    const rateForm = settings.getByTestId('rate-form');
    // "Into" starts in the workspace's reporting currency (most deals are in EUR), whatever the UI's
    // locale would suggest (CNY for zh-CN).
    await expect(rateForm.locator('input').nth(2)).toHaveValue('EUR');
    await rateForm.locator('input').nth(0).fill('CNY');
    await rateForm
      .locator('input')
      .nth(1)
      .fill(language === 'zh-CN' ? '0.13' : '0.13');
    await rateForm.locator('input').nth(3).fill('2020-01-01');
    await rateForm.getByRole('button').click();
    await expect(settings.getByTestId('rates').locator('tbody tr')).toHaveCount(1);
    const month = await page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
    });
    const quotaForm = settings.getByTestId('quota-form');
    await quotaForm.getByTestId('quota-member').fill('li');
    await quotaForm.locator('[role="option"]', { hasText: 'Li' }).click();
    await quotaForm.locator('input[type="month"]').fill(month);
    await quotaForm.getByTestId('quota-amount').fill('250000');
    await quotaForm.locator('button[type="submit"]').click();
    await expect(settings.getByTestId('quotas').locator('tbody tr')).toHaveCount(1);
    await expect(settings.getByTestId('quotas').locator('tbody tr')).toContainText('Li');
    await shot(page, `reporting-settings-${language}`);

    await go(page, 'dashboard');
    await expect(page.getByTestId('dashboard-unconverted')).toBeHidden();
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
    // The forecast's table shows Li's quota in this month's row; a month's open amount drills down.
    await page
      .getByTestId('chart-forecast')
      .getByRole('button', { name: /table|表格/ })
      .click();
    const forecast = page.getByTestId('chart-forecast-table');
    const row = forecast.locator('tbody tr', { hasText: month });
    await expect(row).toContainText(/250,000|250.000|250 000/);
    await row.getByRole('button').nth(2).click();
    await expect(drill.getByTestId('drill-row').first()).toBeVisible();
    // Only Li's deals ("My records"): the quota stays, the others' deals leave.
    await page.getByTestId('owner-scope').selectOption('mine');
    await expect(page.getByTestId('tile-winrate')).not.toContainText('66.7');
    await expect(row).toContainText(/250,000|250.000|250 000/);
    await expectAccessible(page, `dashboard ${language}`);
    // The week's digest: every seeded deal is new this week, four were won and two lost.
    await page.getByTestId('owner-scope').selectOption('');
    await page.getByTestId('tab-digest').click();
    await expect(page.getByTestId('digest-won').getByTestId('digest-item')).toHaveCount(4);
    await expect(page.getByTestId('digest-lost').getByTestId('digest-item')).toHaveCount(2);
    await expect(page.getByTestId('digest-new').getByTestId('digest-item')).toHaveCount(24);
    await shot(page, `digest-${language}`);
    await expectAccessible(page, `digest ${language}`);
    if (language === 'zh-CN') await expectNoEnglish(page, 'dashboard zh-CN');
    expect(errors).toEqual([]);
  });
}
