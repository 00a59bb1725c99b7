import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
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

/** The manager's three members, each on a device of their own that joins with an invite. */
const MEMBERS = ['Li', 'Anna', 'Sam'] as const;

async function expectState(page: Page, state: string, timeout = 30_000): Promise<void> {
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', state, { timeout });
}

async function syncNow(page: Page): Promise<void> {
  await go(page, 'sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toBeEnabled({ timeout: 20_000 });
  await expectState(page, 'idle');
}

/** A new single-use invite code from the manager's Sync screen. */
async function invite(page: Page): Promise<string> {
  await go(page, 'sync');
  await page.getByTestId('sync-invite').click();
  const code = await page.getByTestId('sync-invite-code').inputValue();
  await page.getByRole('button', { name: /^(Done|完成)$/ }).click();
  return code;
}

/** A member's device: its own vault, joined to the workspace under the member's name. */
async function join(
  page: Page,
  host: RunningHost,
  code: string,
  name: string,
  language: 'en' | 'zh-CN',
): Promise<void> {
  await firstRun(page, host.pageUrl);
  if (language === 'zh-CN') await setLanguage(page, 'zh-CN');
  await go(page, 'sync');
  await page.getByTestId('sync-device-name').fill(name);
  await page.getByTestId('sync-invite-code-input').fill(code);
  await page.getByTestId('sync-join').click();
  await expect(page.getByTestId('sync-now')).toBeVisible({ timeout: 30_000 });
  await expectState(page, 'idle');
}

/**
 * One member's deals, written on their own device through its bridge and owned by the member
 * itself (its member id): three open deals closing this month, one closing in two months (outside
 * this month's bar), and for the first member one won deal.
 */
async function seedOwn(page: Page, o: number, month: string, later: string): Promise<void> {
  await page.evaluate(
    async ({ o, month, later }) => {
      const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
        if (!r.ok) throw new Error(r.error.code);
        return r.value;
      };
      const me = ok(await window.crm.invoke('members.list', {}));
      const ownerId = me.selfId;
      const name = me.members.find((m) => m.memberId === ownerId)?.name ?? ownerId;
      const pipeline = ok(await window.crm.invoke('pipelines.list', {})).items[0]!;
      const stages = pipeline.stages.map((s) => s.id);
      for (let n = 0; n < 3; n++) {
        ok(
          await window.crm.invoke('deals.create', {
            name: `Opp ${name} ${n + 1}`,
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
          name: `Opp ${name} later`,
          pipelineId: pipeline.id,
          stageId: stages[0]!,
          amountMinor: 500_000,
          currency: 'EUR',
          ownerId,
          expectedCloseDate: `${later}-15`,
        }),
      );
      if (o !== 0) return;
      const won = ok(
        await window.crm.invoke('deals.create', {
          name: `Opp ${name} closed`,
          pipelineId: pipeline.id,
          stageId: stages[0]!,
          amountMinor: 700_000,
          currency: 'EUR',
          ownerId,
          expectedCloseDate: `${month}-05`,
        }),
      );
      ok(await window.crm.invoke('deals.update', { id: won.id, patch: { status: 'won' } }));
    },
    { o, month, later },
  );
}

/** The deals the manager's device holds (all of them, whoever wrote them). */
async function dealCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const r = await window.crm.invoke('deals.list', { limit: 1 });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.total;
  });
}

interface Member {
  readonly name: string;
  readonly host: RunningHost;
  readonly dir: string;
  readonly page: Page;
  readonly errors: string[];
}

/**
 * Starts a dev host and a page for each member into `into` (in member order, so the caller stops
 * whatever started even when one fails); the first member's device is also the "second device".
 */
async function startMembers(context: BrowserContext, into: Member[]): Promise<void> {
  for (const name of MEMBERS) {
    const dir = mkdtempSync(path.join(tmpdir(), `fv-e2e-mgr-${name.toLowerCase()}-`));
    try {
      const host = await startHost(dir);
      const page = await context.newPage();
      into.push({ name, host, dir, page, errors: watchErrors(page) });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
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
    const server: RunningServer = await startSyncServer(serverDir);
    const members: Member[] = [];
    const zh = language === 'zh-CN';
    try {
      await startMembers(context, members);
      const a = page;
      const errorsA = watchErrors(a);

      // The manager's device creates the workspace; each member's device joins it with an invite.
      await firstRun(a, host.pageUrl);
      if (zh) await setLanguage(a, 'zh-CN');
      await go(a, 'sync');
      await a.getByTestId('sync-device-name').fill('Mei');
      await a.getByTestId('sync-server-url').fill(server.url);
      await a.getByTestId('sync-workspace-name').fill('Sales');
      await a.getByTestId('sync-create').click();
      await expect(a.getByTestId('sync-now')).toBeVisible({ timeout: 20_000 });
      await expectState(a, 'idle');
      const codes: string[] = [];
      for (let n = 0; n < members.length; n++) codes.push(await invite(a));
      // Only the second device (Li's) follows the manager's language; the others stay in English.
      await Promise.all(
        members.map((m, n) => join(m.page, m.host, codes[n]!, m.name, n === 0 ? language : 'en')),
      );

      const { month, later } = await a.evaluate(() => {
        const d = new Date();
        const m = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}`;
        return { month: m(d), later: m(new Date(d.getFullYear(), d.getMonth() + 2, 1)) };
      });
      // Each member writes their own deals on their own device and pushes them.
      await Promise.all(
        members.map(async (m, o) => {
          await seedOwn(m.page, o, month, later);
          await syncNow(m.page);
          await expect(m.page.getByTestId('sync-state')).toHaveAttribute('data-pending', '0');
        }),
      );
      // Anna's and Sam's devices are done: closed, so only the manager's and Li's keep syncing.
      for (const m of members.slice(1)) {
        expect(m.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
        await m.page.close();
        await stopHost(m.host);
      }
      const b = members[0]!.page;

      // The manager's device receives the thirteen deals through the server, owned by members.
      await syncNow(a);
      await expect.poll(() => dealCount(a), { timeout: 20_000 }).toBe(13);
      await go(a, 'settings');
      const people = a.getByTestId('members-settings');
      for (const name of MEMBERS) await expect(people.locator(`tr[data-member="${name}"]`)).toBeVisible();
      // The manager puts Li and Anna in one team (Sam stays in none).
      for (const name of ['Li', 'Anna']) {
        const row = people.locator(`tr[data-member="${name}"]`);
        await row.getByTestId('member-edit').click();
        await row.getByTestId('member-team-input').fill('North');
        await row.getByTestId('member-save').click();
        await expect(row.getByTestId('member-team')).toHaveText('North');
      }

      // Quotas for the three members this month (Settings > Reporting).
      await go(a, 'settings');
      const settings = a.getByTestId('reporting-settings');
      const quotaForm = settings.getByTestId('quota-form');
      for (const [n, name] of MEMBERS.entries()) {
        await quotaForm.getByTestId('quota-member').fill(name);
        await quotaForm.locator('[role="option"]', { hasText: name }).click();
        await expect(quotaForm.getByTestId('quota-member-value')).toHaveText(name);
        await quotaForm.locator('input[type="month"]').fill(month);
        await quotaForm.getByTestId('quota-amount').fill('100000');
        await quotaForm.locator('button[type="submit"]').click();
        const quotas = settings.getByTestId('quotas').locator('tbody tr');
        await expect(quotas).toHaveCount(n + 1);
        // The quota names its member, not the member id it stores.
        await expect(quotas.filter({ hasText: name })).toHaveCount(1);
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
      await expect(a.getByTestId('group-row').first()).toContainText('Anna');
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
      // Named there too: the members who joined after this device read by name once it synced.
      await expect(b.getByTestId('group-row').first()).toContainText('Anna');
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

      // Whose deals, one select on every screen: a member or a named team, on the dashboard (and
      // its drill-down into the list) and on the board.
      await a.keyboard.press('Alt+7');
      await expect(a.locator('[data-screen="dashboard"]')).toBeVisible();
      await a.getByTestId('owner-scope').selectOption({ label: 'North' });
      await a
        .getByTestId('chart-forecast')
        .getByRole('button', { name: /table|表格/ })
        .click();
      const teamRow = a.getByTestId('chart-forecast-table').locator('tbody tr', { hasText: month });
      await expect(teamRow).toContainText('200,000');
      await a.getByTestId('owner-scope').selectOption({ label: 'Anna' });
      await expect(teamRow).toContainText('100,000');
      await teamRow.getByRole('button').nth(2).click();
      await expect(drill.getByTestId('drill-row')).toHaveCount(3);
      await expect(drill.getByTestId('drill-row').first()).toContainText('Anna');
      await drill.getByTestId('drill-open-list').click();
      await expect(a.locator('[data-screen="list-deal"]')).toBeVisible();
      await expect(rows(a)).toHaveCount(3);
      await expect(a.getByTestId('view-filters')).toContainText('Anna');
      await go(a, 'board');
      await a.getByTestId('board-filters').getByTestId('owner-scope').selectOption({ label: 'North' });
      await a.getByTestId('board-apply').click();
      // Li's and Anna's open deals (four each), Sam's not.
      await expect(a.locator('[data-deal]')).toHaveCount(8);
      await expect(a.locator('[data-deal]', { hasText: 'Opp Sam' })).toHaveCount(0);
      await shot(a, `manager-board-team-${language}`);

      expect(errorsA.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      expect(members[0]!.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      for (const m of members) {
        await stopHost(m.host);
        rmSync(m.dir, { recursive: true, force: true });
      }
      await stopSyncServer(server);
      rmSync(serverDir, { recursive: true, force: true });
    }
  });
}
