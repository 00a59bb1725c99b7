import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  createRecord,
  expectAccessible,
  expectNoEnglish,
  firstRun,
  go,
  setLanguage,
  shot,
  watchErrors,
} from './support/app';
import { expect, test } from './support/devhost';

const TAMPER = 'test/node/services/audit/audit.tamper.main.ts';

test('Security log: lists and filters real events, exports, and reports a tampered log in both languages', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'contact', 'Lin Wei');
  const exported = await page.evaluate(() => window.crm.invoke('export.csv', { entity: 'contact' }));
  expect(exported).toMatchObject({ ok: true });
  await page.getByTestId('lock').click();
  await page.getByTestId('unlock').click();
  await expect(page.getByRole('navigation')).toBeVisible();

  await go(page, 'settings');
  await page.getByTestId('open-security-log').click();
  const screen = page.locator('[data-screen="security-log"]');
  await expect(screen).toBeVisible();
  await expect(page.getByTestId('audit-chain-intact')).toBeVisible();
  const table = page.getByTestId('audit-table');
  for (const type of ['vault.setup', 'vault.unlock', 'vault.lock', 'data.export', 'audit.keyCreated']) {
    await expect(table.locator(`tr[data-type="${type}"]`).first()).toBeVisible();
  }
  await expect(table.locator('tr[data-type="data.export"]').first()).toContainText('CSV');
  await expect(table).not.toContainText('Lin Wei');
  await shot(page, 'audit-en');
  await expectAccessible(page, 'security log');

  // Filter: only locks.
  await page.getByTestId('audit-filter-type').selectOption('vault.lock');
  await page.getByTestId('audit-apply').click();
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.locator('tbody tr').first()).toHaveAttribute('data-type', 'vault.lock');
  await expect(table.locator('tbody tr').first()).toContainText('by the user');

  // Export what the filter shows, as JSON lines.
  const download = page.waitForEvent('download');
  await page.getByTestId('audit-export-jsonl').click();
  const file = await (await download).path();
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['vault.lock']);

  // Someone with the vault key edits the stored export while the vault is locked.
  await page.getByTestId('lock').click();
  const tampered = spawnSync(process.execPath, ['--import', 'tsx', TAMPER, host.dataDir, 'data.export'], {
    encoding: 'utf8',
  });
  expect(tampered.status, tampered.stderr).toBe(0);
  const seq = Number(tampered.stdout.trim());
  await page.getByTestId('unlock').click();
  const alert = page.getByTestId('audit-status-broken');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(`#${seq}`);
  await alert.click();
  await expect(page.getByTestId('audit-chain-broken')).toContainText(`#${seq}`);
  await expect(page.getByTestId('audit-chain-broken')).toContainText('entry edited');
  await expect(table.locator('tr[data-type="audit.chainBroken"]').first()).toBeVisible();
  await shot(page, 'audit-broken-en');

  await setLanguage(page, 'zh-CN');
  await page.getByTestId('open-security-log').click();
  await expect(page.getByTestId('audit-chain-broken')).toContainText('记录被编辑');
  await expect(table.locator('tr[data-type="vault.lock"]').first()).toContainText('锁定');
  await expectNoEnglish(page, 'security log zh-CN');
  await shot(page, 'audit-zh');
  expect(errors).toEqual([]);
});
