import path from 'node:path';
import { firstRun, go, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

const fixture = path.resolve('test/e2e/fixtures/contacts-hubspot-style.csv');

test('imports a messy 1,000-row HubSpot-style CSV with a visible progress bar and a result report', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await page.getByTestId('import-file').setInputFiles(fixture);
  await expect(page.getByTestId('import-rows')).toContainText('1000');
  await expect(page.getByTestId('import-sample')).toBeVisible();
  await shot(page, 'import-preview-en-light');
  const progressShown = page.getByTestId('import-progress').waitFor({ state: 'attached', timeout: 60_000 });
  await page.getByTestId('import-run').click();
  await progressShown;
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  await shot(page, 'import-result-en-light');
  const report = await page.getByTestId('import-result').innerText();
  const [created, skipped] = (report.match(/\d+/g) ?? []).map(Number);
  expect((created ?? 0) + (skipped ?? 0)).toBeGreaterThanOrEqual(1000);
  expect(created).toBeGreaterThan(800);

  await page.getByRole('button', { name: 'Go to contacts' }).click();
  await expect(page.getByTestId('list-count')).toContainText(`of ${(created ?? 0).toLocaleString('en')}`);
  await shot(page, 'contacts-imported-en-light');
  expect(errors).toEqual([]);
});
