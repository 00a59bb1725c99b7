import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

async function pick(page: Page, name: string, text: string): Promise<void> {
  await page
    .getByTestId('import-file')
    .setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
}

test('another encoding keeps the mapping the user chose: an ignored column stays ignored', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await pick(page, 'c.csv', 'Name,Email,Notes\nAnn Lee,ann@example.com,private remark\n');
  await expect(page.getByTestId('import-map-2')).toHaveValue('notes');
  await page.getByTestId('import-map-2').selectOption('ignore');
  await page.getByTestId('import-encoding').selectOption('windows-1252');
  await expect(page.getByTestId('import-encoding')).toHaveValue('windows-1252');
  await expect(page.getByTestId('import-map-2')).toHaveValue('ignore');
  // Columns the user left alone keep their guesses.
  await expect(page.getByTestId('import-map-1')).toHaveValue('email');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  const notes = await page.evaluate(async () => {
    const r = await window.crm.invoke('contacts.list', { limit: 5 });
    return r.ok ? r.value.items.map((c) => c.notes) : ['error'];
  });
  expect(notes).toEqual(['']);
  expect(errors).toEqual([]);
});

test('imported deals without a currency are in the currency chosen in Settings, like new deals', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'settings');
  await page.getByTestId('default-currency').selectOption('CNY');
  await go(page, 'import');
  await page.getByTestId('import-entity').selectOption('deal');
  await pick(page, 'deals.csv', 'Deal name,Amount\nPump line,1000\n');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  const deals = await page.evaluate(async () => {
    const r = await window.crm.invoke('deals.list', { limit: 10 });
    return r.ok ? r.value.items.map((d) => [d.name, d.currency, d.amountMinor]) : [];
  });
  expect(deals).toEqual([['Pump line', 'CNY', 100_000]]);
  expect(errors).toEqual([]);
});

test('an empty file says it is empty, and "Import another file" starts with no file named', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await pick(page, 'empty.csv', '');
  await expect(page.getByTestId('import-empty')).toHaveText(
    '"empty.csv" is empty: there is no header row and nothing to import. Choose another file.',
  );
  await expect(page.getByText('Some of the entered values are not valid.')).toHaveCount(0);
  await pick(page, 'first.csv', 'Name,Email\nAnn Lee,ann@example.com\n');
  await expect(page.getByTestId('import-empty')).toHaveCount(0);
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  await page.getByTestId('import-again').click();
  await expect(page.getByTestId('import-file')).toBeAttached();
  await expect(page.locator('[data-screen="import"]')).not.toContainText('first.csv');
  expect(errors).toEqual([]);
});

test('a file with more rows than one import takes says so where it was chosen, and the next file imports', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  // 200,001 data rows: one past the limit, small enough to send.
  await pick(page, 'big.csv', `Name\n${'a\n'.repeat(200_001)}`);
  await expect(page.getByTestId('import-too-big')).toHaveText(
    '"big.csv" has more than 200,000 rows, more than one import takes. Nothing was imported: split it into files of 200,000 rows or fewer.',
  );
  await expect(page.getByTestId('error')).toHaveCount(0);
  // Past the size main takes: said before anything is sent.
  await pick(page, 'huge.csv', `Name\n${'a'.repeat(20 * 1024 * 1024)}\n`);
  await expect(page.getByTestId('import-too-big')).toHaveText(
    '"huge.csv" is larger than one import takes (more than 20 million characters). Nothing was imported: split it into smaller files.',
  );
  await expect(page.getByTestId('error')).toHaveCount(0);
  await pick(page, 'small.csv', 'Name\nAnn Lee\n');
  await expect(page.getByTestId('import-too-big')).toHaveCount(0);
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  expect(errors).toEqual([]);
});
