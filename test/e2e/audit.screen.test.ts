import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expectNoEnglish, firstRun, go, setLanguage } from './support/app';
import { expect, test } from './support/auth';
import { startSyncServer, stopSyncServer } from './support/syncserver';

/** Calls a channel through the page's bridge; throws unless it succeeded. */
async function inv(page: Page, channel: string, input?: unknown): Promise<void> {
  const r = await page.evaluate(
    ([c, i]) => window.crm.invoke(c as never, i as never) as Promise<{ ok: boolean }>,
    [channel, input] as const,
  );
  if (!r.ok) throw new Error(`${channel} failed`);
}

test('the zh-CN security log names roles and refusal reasons in Chinese, not as codes', async ({
  page,
  auth,
}) => {
  test.setTimeout(90_000);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-server-'));
  const server = await startSyncServer(serverDir);
  try {
    await firstRun(page, auth.pageUrl);
    await inv(page, 'workspace.create', { serverUrl: server.url, name: 'Team' });
    await inv(page, 'invites.create', { ttlHours: 1, role: 'admin' });
    // A refused OS check on unlock.
    await page.getByTestId('lock').click();
    auth.answer('AUTH_DENIED');
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('error')).toBeVisible();
    auth.answer('ok');
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible();

    await setLanguage(page, 'zh-CN');
    await page.getByTestId('open-security-log').click();
    const table = page.getByTestId('audit-table');
    const invite = table.locator('tr[data-type="device.invited"]').first();
    await expect(invite).toContainText('角色 管理员');
    await expect(invite).not.toContainText('admin');
    const refused = table.locator('tr[data-type="vault.unlock"][data-outcome="denied"]').first();
    await expect(refused).toContainText('错误：');
    await expect(refused).not.toContainText('AUTH_DENIED');
    await expectNoEnglish(page, 'security log zh-CN');
  } finally {
    await stopSyncServer(server);
    rmSync(serverDir, { recursive: true, force: true });
  }
});

test('exporting the security log keeps the rows already loaded, and the export joins the top', async ({
  page,
  auth,
}) => {
  test.setTimeout(90_000);
  await firstRun(page, auth.pageUrl);
  await page.evaluate(async () => {
    for (let k = 0; k < 70; k++) await window.crm.invoke('export.vcard' as never, {} as never);
  });
  await go(page, 'settings');
  await page.getByTestId('open-security-log').click();
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  await expect(rows).toHaveCount(50);
  await page.getByTestId('audit-more').click();
  await expect(rows).not.toHaveCount(50);
  const shownBefore = await rows.count();
  expect(shownBefore).toBeGreaterThan(70);
  const download = page.waitForEvent('download');
  await page.getByTestId('audit-export-jsonl').click();
  await download;
  await expect(rows).toHaveCount(shownBefore + 1);
  await expect(rows.first()).toHaveAttribute('data-type', 'audit.exported');
});

test('a "From" date after the "To" date is said at the field and not applied', async ({ page, auth }) => {
  await firstRun(page, auth.pageUrl);
  await go(page, 'settings');
  await page.getByTestId('open-security-log').click();
  await page.getByLabel('From').fill('2031-05-10');
  await page.getByLabel('To').fill('2030-05-01');
  await expect(page.getByTestId('audit-range-error')).toHaveText('The end date is before the start date.');
  await page.getByTestId('audit-apply').click();
  // Not applied: the events are still listed.
  await expect(page.getByTestId('audit-table')).toBeVisible();
});
