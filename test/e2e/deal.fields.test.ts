import type { Page } from '@playwright/test';
import { createRecord, firstRun, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

async function edit(page: Page, field: string, text: string): Promise<void> {
  await page.locator(`[data-edit="${field}"]`).click();
  await page.locator(`[data-input="${field}"]`).fill(text);
  await page.locator(`[data-input="${field}"]`).press('Enter');
}

const stored = (page: Page) =>
  page.evaluate(async () => {
    const r = await window.crm.invoke('deals.list', { limit: 5 });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.items.map((d) => ({ currency: d.currency, amountMinor: d.amountMinor }));
  });

test("a deal's currency is a real ISO code typed in any case, and an amount past the bound names the bound", async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'deal', 'Forklift fleet');
  const error = page.getByTestId('field-error');

  // A made-up code is refused and nothing is saved.
  await edit(page, 'currency', 'XYZ');
  await expect(error).toHaveText('Enter a three-letter currency code, such as EUR, USD or CNY.');
  await page.keyboard.press('Escape');
  // Lower case is the same code.
  await edit(page, 'currency', ' jpy ');
  await expect(page.locator('[data-field="currency"]')).toHaveText('JPY');
  await edit(page, 'amountMinor', '250000');
  await expect(page.locator('[data-field="amountMinor"]')).toHaveText('¥250,000');

  // Too large: the message says the largest amount, whether or not it still fits exact minor units.
  for (const huge of ['5000000000000000', '90000000000000000000']) {
    await edit(page, 'amountMinor', huge);
    await expect(error).toContainText('¥1,000,000,000,000,000');
    await page.keyboard.press('Escape');
  }
  expect(await stored(page)).toEqual([{ currency: 'JPY', amountMinor: 250_000 }]);
  expect(errors).toEqual([]);
});
