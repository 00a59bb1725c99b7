import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeWindows1252 } from './fixtures/legacy.encode';
import { expectAccessible, firstRun, go, scratchDir, setLanguage, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('imports deals from a German Excel file (zh-CN UI): amounts and dates in the file locale, stages by name', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const csv = [
    'Deal Name;Company;Amount;Close date;Stage;Currency',
    'Maschine Linie 2;Müller Maschinenbau GmbH;1.234,56;31.03.2027;Proposal;EUR',
    'Wartung 2027;Müller Maschinenbau GmbH;12.000;15.01.2027;Qualified;EUR',
    'Ersatzteile;Straße & Söhne KG;-250,5;01.12.2026;Lead;CHF',
  ].join('\r\n');
  const dir = scratchDir('e2e-deals');
  const file = path.join(dir, 'deals-de.csv');
  writeFileSync(file, encodeWindows1252(csv));
  await firstRun(page, host.pageUrl);
  await setLanguage(page, 'zh-CN');
  await go(page, 'import');
  await page.getByTestId('import-entity').selectOption('deal');
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-encoding')).toHaveValue('windows-1252');
  await page.getByTestId('import-locale').selectOption('de-DE');
  await expect(page.getByTestId('import-sample')).toContainText('Maschine Linie 2');
  await expect(page.getByTestId('import-map-2')).toHaveValue('amount');
  await expect(page.getByTestId('import-map-3')).toHaveValue('closeDate');
  await expect(page.getByTestId('import-map-4')).toHaveValue('stage');
  // The file itself is German/English (headers, stage names), so only the zh-CN GB18030 test checks for English.
  await expectAccessible(page, 'import mapping zh-CN');
  await shot(page, 'import-deals-mapping-zh-light');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
  const deals = await page.evaluate(async () => {
    const r = await window.crm.invoke('deals.list', { limit: 50 });
    const a = await window.crm.invoke('accounts.list', { limit: 50 });
    if (!r.ok || !a.ok) throw new Error('list failed');
    return r.value.items.map((d) => ({
      name: d.name,
      amountMinor: d.amountMinor,
      currency: d.currency,
      expectedCloseDate: d.expectedCloseDate,
      stageId: d.stageId,
      account: a.value.items.find((x) => x.id === d.accountId)?.name ?? null,
    }));
  });
  expect(deals.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
    {
      name: 'Ersatzteile',
      amountMinor: -25050,
      currency: 'CHF',
      expectedCloseDate: '2026-12-01',
      stageId: 'lead',
      account: 'Straße & Söhne KG',
    },
    {
      name: 'Maschine Linie 2',
      amountMinor: 123456,
      currency: 'EUR',
      expectedCloseDate: '2027-03-31',
      stageId: 'proposal',
      account: 'Müller Maschinenbau GmbH',
    },
    {
      name: 'Wartung 2027',
      amountMinor: 1200000,
      currency: 'EUR',
      expectedCloseDate: '2027-01-15',
      stageId: 'qualified',
      account: 'Müller Maschinenbau GmbH',
    },
  ]);
  expect(errors).toEqual([]);
});

test('imports tasks from a spreadsheet: titles, due times, priorities and done flags land on Home', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const now = new Date();
  const day = `${String(now.getDate()).padStart(2, '0')}/${String(now.getMonth() + 1).padStart(2, '0')}/${now.getFullYear()}`;
  const csv = [
    'Task,Due date,Priority,Done,Company',
    `Send the signed quote,${day} 12:00,High,No,Müller Maschinenbau GmbH`,
    `Book the trade fair stand,${day} 12:30,Low,Yes,`,
    'Order samples,someday,Normal,No,',
  ].join('\r\n');
  const dir = scratchDir('e2e-tasks');
  const file = path.join(dir, 'tasks.csv');
  writeFileSync(file, csv);
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await page.getByTestId('import-entity').selectOption('task');
  await page.getByTestId('import-file').setInputFiles(file);
  await page.getByTestId('import-locale').selectOption('en-GB');
  await expect(page.getByTestId('import-map-0')).toHaveValue('name');
  await expect(page.getByTestId('import-map-0').locator('option:checked')).toHaveText('Title');
  await expect(page.getByTestId('import-map-1')).toHaveValue('dueAt');
  await expect(page.getByTestId('import-map-2')).toHaveValue('priority');
  await expect(page.getByTestId('import-map-3')).toHaveValue('done');
  await expect(page.getByTestId('import-map-4')).toHaveValue('accountName');
  await expect(page.getByTestId('import-sample')).toContainText('Send the signed quote');
  await expectAccessible(page, 'import tasks mapping');
  await page.getByTestId('import-run').click();
  // The default policy skips the row whose date cannot be read; the other two are imported.
  await expect(page.getByTestId('import-result')).toContainText('2');
  await page.getByRole('button', { name: 'Go to the agenda' }).click();
  await expect(page.locator('[data-screen="agenda"]')).toBeVisible();
  await go(page, 'home');
  const today = page.getByTestId('h-today');
  await expect(today.locator('li', { hasText: 'Send the signed quote' })).toBeVisible();
  // Done tasks are not on the day's list.
  await expect(today).not.toContainText('Book the trade fair stand');
  const tasks = await page.evaluate(async () => {
    const r = await window.crm.invoke('tasks.list', { limit: 50 });
    if (!r.ok) throw new Error('list failed');
    return r.value.items.map((x) => ({ title: x.title, priority: x.priority, done: x.done, due: x.dueAt }));
  });
  const noon = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 12, 0).getTime();
  expect(tasks.sort((x, y) => x.title.localeCompare(y.title))).toEqual([
    { title: 'Book the trade fair stand', priority: 'low', done: true, due: noon + 30 * 60_000 },
    { title: 'Send the signed quote', priority: 'high', done: false, due: noon },
  ]);
  expect(errors).toEqual([]);
});
