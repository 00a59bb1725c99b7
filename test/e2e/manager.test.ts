import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
import { expect, screenshotPath, startHost, stopHost, test, type RunningHost } from './support/devhost';
import { startSyncServer, stopSyncServer, type RunningServer } from './support/syncserver';

const OWNERS = ['li', 'anna', 'sam'] as const;

async function expectState(page: Page, state: string, timeout = 30_000): Promise<void> {
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', state, { timeout });
}

async function syncNow(page: Page): Promise<void> {
  await go(page, 'sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toBeEnabled({ timeout: 20_000 });
  await expectState(page, 'idle');
}

/**
 * Three members' deals, through the page's own bridge: three open deals each closing this month,
 * one each closing in two months (outside this month's bar) and one won deal.
 */
async function seed(page: Page, month: string, later: string): Promise<void> {
  await page.evaluate(
    async ({ owners, month, later }) => {
      const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
        if (!r.ok) throw new Error(r.error.code);
        return r.value;
      };
      const pipeline = ok(await window.crm.invoke('pipelines.list', {})).items[0]!;
      const stages = pipeline.stages.map((s) => s.id);
      for (const [o, ownerId] of owners.entries()) {
        for (let n = 0; n < 3; n++) {
          ok(
            await window.crm.invoke('deals.create', {
              name: `Opp ${ownerId} ${n + 1}`,
              pipelineId: pipeline.id,
              stageId: stages[n % stages.length]!,
              amountMinor: (o + 1) * 1_000_000 + n * 100_000,
              currency: 'EUR',
              ownerId,
              expectedCloseDate: `${month}-${String(10 + n).padStart(2, '0')}`,
            }),
          );
        }
        ok(
          await window.crm.invoke('deals.create', {
            name: `Opp ${ownerId} later`,
            pipelineId: pipeline.id,
            stageId: stages[0]!,
            amountMinor: 500_000,
            currency: 'EUR',
            ownerId,
            expectedCloseDate: `${later}-15`,
          }),
        );
      }
      const won = ok(
        await window.crm.invoke('deals.create', {
          name: 'Opp li closed',
          pipelineId: pipeline.id,
          stageId: stages[0]!,
          amountMinor: 700_000,
          currency: 'EUR',
          ownerId: 'li',
          expectedCloseDate: `${month}-05`,
        }),
      );
      ok(await window.crm.invoke('deals.update', { id: won.id, patch: { status: 'won' } }));
    },
    { owners: [...OWNERS], month, later },
  );
}

const rows = (page: Page) => page.getByTestId('list').locator('.row-link');

for (const language of ['en', 'zh-CN'] as const) {
  test(`manager (${language}): quotas, dashboard drill-down, a shared view on a second device`, async ({
    page,
    host,
    context,
  }) => {
    test.setTimeout(300_000);
    const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-mgr-server-'));
    const dataB = mkdtempSync(path.join(tmpdir(), 'fv-e2e-mgr-b-'));
    const server: RunningServer = await startSyncServer(serverDir);
    let hostB: RunningHost | null = null;
    const zh = language === 'zh-CN';
    try {
      hostB = await startHost(dataB);
      const a = page;
      const b = await context.newPage();
      const errorsA = watchErrors(a);
      const errorsB = watchErrors(b);

      // The manager's device creates the workspace; a second device joins it with an invite.
      await firstRun(a, host.pageUrl);
      if (zh) await setLanguage(a, 'zh-CN');
      await go(a, 'sync');
      await a.getByTestId('sync-server-url').fill(server.url);
      await a.getByTestId('sync-workspace-name').fill('Sales');
      await a.getByTestId('sync-create').click();
      await expect(a.getByTestId('sync-now')).toBeVisible({ timeout: 20_000 });
      await expectState(a, 'idle');
      await a.getByTestId('sync-invite').click();
      const code = await a.getByTestId('sync-invite-code').inputValue();
      await firstRun(b, hostB.pageUrl);
      if (zh) await setLanguage(b, 'zh-CN');
      await go(b, 'sync');
      await b.getByTestId('sync-invite-code-input').fill(code);
      await b.getByTestId('sync-join').click();
      await expect(b.getByTestId('sync-now')).toBeVisible({ timeout: 20_000 });
      await expectState(b, 'idle');

      const { month, later } = await a.evaluate(() => {
        const d = new Date();
        const m = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}`;
        return { month: m(d), later: m(new Date(d.getFullYear(), d.getMonth() + 2, 1)) };
      });
      await seed(a, month, later);

      // Quotas for the three members this month (Settings > Reporting).
      await go(a, 'settings');
      const settings = a.getByTestId('reporting-settings');
      const quotaForm = settings.getByTestId('quota-form');
      for (const [n, owner] of OWNERS.entries()) {
        await quotaForm.locator('input').nth(0).fill(owner);
        await quotaForm.locator('input').nth(1).fill(month);
        await quotaForm.locator('input').nth(2).fill('100000');
        await quotaForm.getByRole('button').click();
        await expect(settings.getByTestId('quotas').locator('tbody tr')).toHaveCount(n + 1);
      }

      // The dashboard (Alt+7): this month's forecast row holds the three quotas; its open bar drills down.
      await a.keyboard.press('Alt+7');
      await expect(a.locator('[data-screen="dashboard"]')).toBeVisible();
      await a
        .getByTestId('chart-forecast')
        .getByRole('button', { name: /table|表格/ })
        .click();
      const forecastRow = a.getByTestId('chart-forecast-table').locator('tbody tr', { hasText: month });
      await expect(forecastRow).toContainText('300,000');
      await forecastRow.getByRole('button').nth(2).click();
      const drill = a.getByTestId('dashboard-drill');
      await expect(drill.getByTestId('drill-row')).toHaveCount(9);
      await shot(a, `manager-drill-${language}`);

      // The same nine deals as a list: grouped by owner, one column hidden, saved and shared.
      await drill.getByTestId('drill-open-list').click();
      await expect(a.locator('[data-screen="list-deal"]')).toBeVisible();
      await expect(rows(a)).toHaveCount(9);
      await expect(a.getByTestId('view-filters')).toContainText(`${month}-01`);
      await expect(a.getByTestId('view-filters')).not.toContainText(zh ? '状态' : 'Status');
      await a.getByTestId('group-by').selectOption('ownerId');
      await expect(a.getByTestId('group-row')).toHaveCount(3);
      await expect(a.getByTestId('group-row').first()).toContainText('anna');
      await a.getByTestId('columns-chooser').locator('summary').click();
      await a.locator('[data-column="status"]').uncheck();
      await a.getByTestId('columns-chooser').locator('summary').click();
      const statusHeader = zh ? '状态' : 'Status';
      await expect(a.getByTestId('list').getByRole('columnheader', { name: statusHeader })).toHaveCount(0);
      const viewName = zh ? '本月预测' : 'Forecast this month';
      await a.getByTestId('view-new').click();
      await a.getByTestId('view-name').fill(viewName);
      await a.getByTestId('view-share').check();
      await a.getByTestId('view-save').click();
      await expect(a.getByTestId('view-scope')).toHaveText(
        zh ? '已共享：所有成员都能看到此视图' : 'Shared: every member sees this view',
      );
      await expect(a.getByTestId('views-nav')).toContainText(viewName);

      // Export writes the view's rows; print shows the list alone, without the app's chrome.
      const [download] = await Promise.all([a.waitForEvent('download'), a.getByTestId('export').click()]);
      const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
      expect(csv.split(/\r\n/).filter((l) => l !== '')).toHaveLength(10);
      // The print dialog is the browser's: count the calls instead of opening it.
      await a.evaluate(() => {
        let printed = 0;
        Object.assign(window, { print: () => void (printed += 1), printedCount: () => printed });
      });
      await a.getByTestId('print').click();
      await expect
        .poll(() => a.evaluate(() => (Reflect.get(window, 'printedCount') as () => number)()))
        .toBe(1);
      await a.emulateMedia({ media: 'print' });
      const sheet = a.getByTestId('print-list');
      await expect(sheet).toBeVisible();
      await expect(a.locator('nav.sidebar')).toBeHidden();
      await expect(sheet.locator('tbody tr:not(.print-group)')).toHaveCount(9);
      await expect(sheet.locator('tr.print-group')).toHaveCount(3);
      await expect(sheet.locator('h1')).toContainText(viewName);
      await shot(a, `manager-print-${language}`);
      await a.pdf({ path: screenshotPath(`manager-print-${language}`).replace(/\.png$/, '.pdf') });
      await a.emulateMedia({ media: 'screen' });

      await shot(a, `manager-view-${language}-light`);
      await expectAccessible(a, `saved view ${language}`);
      if (zh) await expectNoEnglish(a, 'saved view zh-CN');
      await setTheme(a, 'dark');
      await shot(a, `manager-view-${language}-dark`);
      await setTheme(a, 'light');

      // A private view stays on this device; renaming the shared one reaches the other device.
      const privateName = zh ? '仅我自己' : 'Only mine';
      await a.getByTestId('view-new').click();
      await a.getByTestId('view-name').fill(privateName);
      await a.getByTestId('view-save').click();
      await expect(a.getByTestId('view-scope')).toHaveText(
        zh ? '私有：仅保存在此设备上' : 'Private: only on this device',
      );
      const sharedId = await a
        .getByTestId('view-select')
        .locator('option', { hasText: viewName })
        .getAttribute('value');
      await a.getByTestId('view-select').selectOption(sharedId ?? '');
      const renamed = `${viewName} (${zh ? '团队' : 'team'})`;
      await a.getByTestId('view-rename').click();
      await a.getByTestId('view-name').fill(renamed);
      await a.getByTestId('view-save').click();
      await expect(a.getByTestId('views-nav')).toContainText(renamed);

      await syncNow(a);
      await expect(a.getByTestId('sync-state')).toHaveAttribute('data-pending', '0');
      await syncNow(b);

      // The second device shows the same view: same deals, grouping and columns; not the private one.
      const nav = b.getByTestId('views-nav');
      await expect(nav).toContainText(renamed, { timeout: 20_000 });
      await expect(nav).not.toContainText(privateName);
      await nav.getByRole('button', { name: renamed }).click();
      await expect(b.locator('[data-screen="list-deal"]')).toBeVisible();
      await expect(rows(b)).toHaveCount(9);
      await expect(b.getByTestId('group-row')).toHaveCount(3);
      await expect(b.getByTestId('list').getByRole('columnheader', { name: statusHeader })).toHaveCount(0);
      await expect(b.getByTestId('view-scope')).toContainText(zh ? '已共享' : 'Shared');
      await shot(b, `manager-view-device-b-${language}`);
      if (zh) await expectNoEnglish(b, 'shared view on device B zh-CN');

      // Deleting the private view (after a confirmation) removes it from the list and the sidebar.
      await a.getByTestId('views-nav').getByRole('button', { name: privateName }).click();
      await expect(a.getByTestId('view-scope')).toContainText(zh ? '私有' : 'Private');
      await a.getByTestId('view-delete').click();
      await a.getByTestId('view-delete-confirm').click();
      await expect(a.getByTestId('views-nav')).not.toContainText(privateName);
      await expect(a.getByTestId('view-select').locator('option', { hasText: privateName })).toHaveCount(0);

      expect(errorsA.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      expect(errorsB.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      if (hostB) await stopHost(hostB);
      await stopSyncServer(server);
      rmSync(dataB, { recursive: true, force: true });
      rmSync(serverDir, { recursive: true, force: true });
    }
  });
}
