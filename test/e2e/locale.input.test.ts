import { firstRun, createRecord, go, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

// A German browser: what the rep types is read as German numbers, whatever the UI language.
test.use({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });

test('a German browser: "1.234,56" is 1.234,56 € on the deal page and the board, new deals start in EUR or the chosen currency', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'deal', 'Maschinenpark');
  const deal = async () =>
    page.evaluate(async () => {
      const list = await window.crm.invoke('deals.list', { limit: 10 });
      if (!list.ok) throw new Error(list.error.code);
      return list.value.items.map((d) => ({
        name: d.name,
        currency: d.currency,
        amountMinor: d.amountMinor,
      }));
    });
  expect(await deal()).toEqual([{ name: 'Maschinenpark', currency: 'EUR', amountMinor: 0 }]);

  await page.locator('[data-edit="amountMinor"]').click();
  await page.locator('[data-input="amountMinor"]').fill('1.234,56');
  await page.locator('[data-input="amountMinor"]').press('Enter');
  await expect(page.locator('[data-field="amountMinor"]')).toContainText('1,234.56');
  expect((await deal())[0]?.amountMinor).toBe(123456);
  // Edited again, the input shows the amount the German way, and saving it unchanged keeps it.
  await page.locator('[data-edit="amountMinor"]').click();
  await expect(page.locator('[data-input="amountMinor"]')).toHaveValue('1234,56');
  await page.locator('[data-input="amountMinor"]').press('Enter');
  await expect(page.locator('[data-field="amountMinor"]')).toContainText('1,234.56');
  expect((await deal())[0]?.amountMinor).toBe(123456);
  // Not a number: a message, and nothing is saved.
  await page.locator('[data-edit="amountMinor"]').click();
  await page.locator('[data-input="amountMinor"]').fill('zwölf');
  await page.locator('[data-save="amountMinor"]').click();
  await expect(page.getByTestId('field-error')).toBeVisible();
  await page.locator('[data-input="amountMinor"]').press('Escape');
  expect((await deal())[0]?.amountMinor).toBe(123456);
  await page.locator('[data-edit="probability"]').click();
  await page.locator('[data-input="probability"]').fill('40');
  await page.locator('[data-input="probability"]').press('Enter');
  await expect(page.locator('[data-field="probability"]')).toHaveText('40');
  await shot(page, 'locale-de-deal');

  // The board's amount bounds are German too: 1.000 is a thousand.
  await go(page, 'board');
  await expect(page.getByTestId('board')).toContainText('Maschinenpark');
  await page.getByTestId('board-min').fill('1.000');
  await page.getByTestId('board-apply').click();
  await expect(page.getByTestId('board')).toContainText('Maschinenpark');
  await page.getByTestId('board-min').fill('1.500,00');
  await page.getByTestId('board-apply').click();
  await expect(page.getByTestId('board')).not.toContainText('Maschinenpark');
  await page.getByTestId('board-min').fill('');
  await page.getByTestId('board-apply').click();

  // A currency chosen in Settings is what new deals start with.
  await go(page, 'settings');
  await expect(page.getByTestId('default-currency')).toHaveValue('');
  await page.getByTestId('default-currency').selectOption('CHF');
  await shot(page, 'locale-de-settings');
  await createRecord(page, 'deal', 'Zweite Linie');
  const deals = await deal();
  expect(deals.find((d) => d.name === 'Zweite Linie')?.currency).toBe('CHF');
  expect(errors).toEqual([]);
});
