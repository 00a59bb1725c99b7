/**
 * Names as reps type them, through the dev host as the app ships: the palette finds O'Brien by
 * "obrien" and Weiß by "weiss", and the account list reads in name order whatever the case.
 */
import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('the palette finds names typed without apostrophes or ß, and the account list sorts names regardless of case', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await page.evaluate(async () => {
    for (const name of ["Zoë O'Brien", 'Jana Weiß'])
      if (!(await window.crm.invoke('contacts.create', { name })).ok) throw new Error(name);
    for (const name of ['Zeta Corp', 'acme gmbh', 'Bravo AG'])
      if (!(await window.crm.invoke('accounts.create', { name })).ok) throw new Error(name);
  });
  await go(page, 'contact');
  for (const [typed, found] of [
    ['obrien', "Zoë O'Brien"],
    ['weiss', 'Jana Weiß'],
  ] as const) {
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill(typed);
    // The hit shows the name as stored: never the alias that found it.
    await expect(page.locator('[role="option"]', { hasText: found })).toHaveCount(1);
    await expect(page.getByTestId('palette')).not.toContainText(typed);
    await page.keyboard.press('Escape');
  }
  await go(page, 'account');
  await expect(page.getByTestId('list').locator('.row-link')).toHaveText([
    'acme gmbh',
    'Bravo AG',
    'Zeta Corp',
  ]);
  expect(errors).toEqual([]);
});
