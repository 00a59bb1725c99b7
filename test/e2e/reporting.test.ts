import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, startHost, stopHost, test, type RunningHost } from './support/devhost';
import { startSyncServer, stopSyncServer, type RunningServer } from './support/syncserver';
import { formTeam, syncNow } from './support/team';

const thisMonth = (page: Page) =>
  page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
  });

async function nameSelf(page: Page, name: string): Promise<void> {
  await go(page, 'settings');
  const people = page.getByTestId('members-settings');
  await people.getByTestId('member-edit').click();
  await people.getByTestId('member-name').fill(name);
  await people.getByTestId('member-save').click();
  await expect(people.locator(`tr[data-member="${name}"]`)).toBeVisible();
}

/** A EUR deal closing this month, so the dashboard reports in EUR and has a row for the month. */
async function seedDeal(page: Page, month: string): Promise<void> {
  await page.evaluate(async (m) => {
    const p = await window.crm.invoke('pipelines.list', {});
    if (!p.ok) throw new Error(p.error.code);
    const pipeline = p.value.items[0]!;
    const r = await window.crm.invoke('deals.create', {
      name: 'Crane retrofit',
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0]!.id,
      amountMinor: 1_000_000,
      currency: 'EUR',
      expectedCloseDate: `${m}-15`,
    });
    if (!r.ok) throw new Error(r.error.code);
  }, month);
}

/** Fills the quota form for the member named `member`; the caller submits it. */
async function fillQuota(form: Locator, member: string, month: string, amount: string, currency = 'EUR') {
  await form.getByTestId('quota-member').fill(member);
  await form.locator('[role="option"]', { hasText: member }).click();
  await form.locator('input[type="month"]').fill(month);
  await form.getByTestId('quota-amount').fill(amount);
  await form.locator('input').last().fill(currency);
}

async function forecastRow(page: Page, month: string): Promise<Locator> {
  await go(page, 'dashboard');
  await page.getByTestId('chart-forecast').getByRole('button', { name: /table/i }).click();
  return page.getByTestId('chart-forecast-table').locator('tbody tr', { hasText: month });
}

test('a quota is one per owner and month: a double click or a second entry never sums on the dashboard', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await nameSelf(page, 'Li');
  const month = await thisMonth(page);
  await seedDeal(page, month);
  await go(page, 'settings');
  const settings = page.getByTestId('reporting-settings');
  const form = settings.getByTestId('quota-form');
  const rows = settings.getByTestId('quotas').locator('tbody tr');
  await fillQuota(form, 'Li', month, '100000');
  await form.locator('button[type="submit"]').dblclick();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('€100,000.00');
  // The same owner and month again: the quota changes, no second row appears.
  await fillQuota(form, 'Li', month, '120000');
  await form.locator('button[type="submit"]').click();
  await expect(rows).toContainText('€120,000.00');
  await expect(rows).toHaveCount(1);
  const row = await forecastRow(page, month);
  await expect(row.locator('td').last()).toHaveText('€120,000.00');

  // A quota in a currency no rate converts is named as left out, not dropped in silence.
  await go(page, 'settings');
  await fillQuota(form, 'Li', month, '5000000', 'JPY');
  await form.locator('button[type="submit"]').click();
  await expect(rows).toContainText('¥5,000,000');
  await go(page, 'dashboard');
  await expect(page.getByTestId('dashboard-unconverted-quotas')).toContainText('JPY');
  expect(errors).toEqual([]);
});

/** A sync that also waits for the status to settle (the dashboard reads what it pulled). */
async function syncSettled(page: Page): Promise<void> {
  await syncNow(page);
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
}

test("an open dashboard takes in a quota another manager's device syncs, without leaving the screen", async ({
  page,
  host,
  context,
}) => {
  test.setTimeout(240_000);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-rep-server-'));
  const dataB = mkdtempSync(path.join(tmpdir(), 'fv-rep-b-'));
  const server: RunningServer = await startSyncServer(serverDir);
  let hostB: RunningHost | null = null;
  try {
    hostB = await startHost(dataB);
    const a = page;
    const b = await context.newPage();
    const errors = [watchErrors(a), watchErrors(b)];
    await formTeam(
      { page: a, pageUrl: host.pageUrl, name: 'Mei' },
      { page: b, pageUrl: hostB.pageUrl, name: 'Li' },
      server.url,
    );

    const month = await thisMonth(a);
    await seedDeal(a, month);
    await syncSettled(a);
    await syncSettled(b);
    // Mei keeps the dashboard open on the forecast table.
    const row = await forecastRow(a, month);
    await expect(row).toContainText('€10,000.00');
    await expect(row.locator('td').last()).toHaveText('€0.00');
    // Li's device sets Li's quota and syncs.
    await go(b, 'settings');
    const form = b.getByTestId('reporting-settings').getByTestId('quota-form');
    await fillQuota(form, 'Li', month, '50000');
    await form.locator('button[type="submit"]').click();
    await expect(b.getByTestId('reporting-settings').getByTestId('quotas').locator('tbody tr')).toHaveCount(
      1,
    );
    await syncSettled(b);
    // Mei's device pulls in the background (as its timer does); the open table follows.
    const pulled = await a.evaluate(async () => (await window.crm.invoke('sync.now', undefined)).ok);
    expect(pulled).toBe(true);
    await expect(row.locator('td').last()).toHaveText('€50,000.00');
    await expect(a.locator('[data-screen="dashboard"]')).toBeVisible();
    expect(errors.flat()).toEqual([]);
  } finally {
    if (hostB) await stopHost(hostB);
    await stopSyncServer(server);
    rmSync(dataB, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
});
