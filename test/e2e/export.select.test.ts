import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { firstRun, go, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

/** Clicks Export and returns the CSV's data rows' first cells (the names). */
async function exportedNames(page: Page): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
  const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  // Every cell is quoted; these names hold no quote or comma.
  const first = (line: string) => (line.split(',')[0] ?? '').replace(/^"|"$/g, '');
  const [header = '', ...rows] = csv.split(/\r\n/).filter((l) => l !== '');
  expect(first(header)).toBe('Name');
  return rows.map(first).sort();
}

test('export writes the selected rows, else the filtered list, not the whole table', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await page.evaluate(async () => {
    for (const c of [
      { name: 'Anna Vip', tags: ['vip'] },
      { name: 'Ben Vip', tags: ['vip'] },
      { name: 'Carl Plain' },
    ]) {
      const r = await window.crm.invoke('contacts.create', c);
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  await go(page, 'contact');
  await expect(page.getByTestId('list-count')).toContainText('3');
  expect(await exportedNames(page)).toEqual(['Anna Vip', 'Ben Vip', 'Carl Plain']);

  // Filtered: only the matches, and the button says so.
  await page.getByLabel('Tags').fill('vip');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page.getByTestId('list-count')).toContainText('2');
  await expect(page.getByTestId('export')).toHaveText('Export filtered list');
  expect(await exportedNames(page)).toEqual(['Anna Vip', 'Ben Vip']);

  // Selected: exactly those rows.
  await page.locator('[role="row"]', { hasText: 'Ben Vip' }).locator('[data-select]').check();
  await expect(page.getByTestId('selected-count')).toHaveText('1 selected');
  await expect(page.getByTestId('export')).toHaveText('Export selected');
  await shot(page, 'export-selected-en-light');
  expect(await exportedNames(page)).toEqual(['Ben Vip']);
  // Select all takes every loaded row of the filtered list; a new filter clears the selection.
  await page.getByTestId('select-all').check();
  await expect(page.getByTestId('selected-count')).toHaveText('2 selected');
  await page.getByLabel('Tags').fill('');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page.getByTestId('selected-count')).toBeHidden();
  await expect(page.getByTestId('export')).toHaveText('Export CSV');

  // The palette's create command says when a record like it exists already.
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill('new contact ben vip');
  await expect(page.getByRole('option', { name: /ben vip/i }).first()).toContainText(
    'A record like this already exists: Ben Vip',
  );
  await page.keyboard.press('Escape');
  expect(errors).toEqual([]);
});
