/** Currencies without cents (JPY) or with three decimals keep their amounts through edit, history, import and export. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import Papa from 'papaparse';
import { createRecord, firstRun, go, scratchDir, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

async function edit(page: Page, field: string, text: string): Promise<void> {
  await page.locator(`[data-edit="${field}"]`).click();
  await page.locator(`[data-input="${field}"]`).fill(text);
  await page.locator(`[data-input="${field}"]`).press('Enter');
}

/** A deal in JPY for ¥250,000, typed on its page. */
async function yenDeal(page: Page): Promise<void> {
  await createRecord(page, 'deal', 'Tokyo fleet');
  await edit(page, 'currency', 'JPY');
  await expect(page.locator('[data-field="currency"]')).toHaveText('JPY');
  await edit(page, 'amountMinor', '250000');
  await expect(page.locator('[data-field="amountMinor"]')).toHaveText('¥250,000');
}

test('a JPY deal: its history shows the yen amount, not a hundredth of it', async ({ page, host }) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await yenDeal(page);

  // History: the amount change reads ¥250,000 (what the rep typed), not a hundredth of it.
  const change = page.getByTestId('timeline').locator('[data-change="amountMinor"]').first();
  await expect(change).toBeVisible();
  await expect(change).toContainText('¥250,000');
  await expect(change).not.toContainText('2,500');

  expect(errors).toEqual([]);
});

test('a JPY deal exports its Amount in yen (250000), not divided by 100', async ({ page, host }) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await yenDeal(page);
  await go(page, 'deal');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
  const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
  expect(rows[0]!.Currency).toBe('JPY');
  expect(Number(rows[0]!.Amount)).toBe(250000);
  expect(errors).toEqual([]);
});

test('importing a JPY deal of 250000 stores ¥250,000, not ¥25,000,000', async ({ page, host }) => {
  const errors = watchErrors(page);
  const csv = ['Deal Name,Amount,Currency,Stage', 'Osaka line,250000,JPY,Lead'].join('\r\n');
  const file = path.join(scratchDir('jpy'), 'deals-jpy.csv');
  writeFileSync(file, csv);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await page.getByTestId('import-entity').selectOption('deal');
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-sample')).toContainText('Osaka line');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
  await go(page, 'deal');
  await page.getByRole('button', { name: 'Osaka line' }).click();
  await expect(page.locator('[data-field="amountMinor"]')).toHaveText('¥250,000');
  expect(errors).toEqual([]);
});
