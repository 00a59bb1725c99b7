import { firstRun, createRecord, go, watchErrors } from './support/app';
import { expect, screenshotPath, test } from './support/devhost';

test('first run -> account, contact, deal -> visit -> board -> palette -> lock -> unlock: all still there', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await expect(page.getByTestId('empty-home')).toBeVisible();
  await page.screenshot({ path: screenshotPath('journey-empty-home') });

  await createRecord(page, 'account', 'Acme GmbH');
  await createRecord(page, 'contact', '张伟');
  // Inline edit with a schema validation message, then a valid value.
  await page.locator('[data-edit="emails"]').click();
  await page.locator('[data-input="emails"]').fill('not-an-email');
  await page.locator('[data-save="emails"]').click();
  await expect(page.getByTestId('field-error')).toBeVisible();
  await page.locator('[data-input="emails"]').fill('zhang.wei@example.cn');
  await page.locator('[data-input="emails"]').press('Enter');
  await expect(page.locator('[data-field="emails"]')).toHaveText('zhang.wei@example.cn');
  await page.locator('[data-edit="accountId"]').click();
  // The account is picked from a searchable combobox (issue 14: no more "first 200" select).
  await page.getByTestId('account-picker').fill('Acme');
  await page.locator('[data-option="Acme GmbH"]').click();
  await expect(page.locator('[data-field="accountId"]')).toHaveText('Acme GmbH');

  await createRecord(page, 'deal', 'Acme pilot');
  // Quick log: Alt+L, V, type, Enter.
  await page.keyboard.press('Alt+l');
  await page.keyboard.press('v');
  await page.keyboard.type('Visited the Acme plant; wants a pilot');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('quicklog')).toBeHidden();
  await expect(page.getByTestId('timeline')).toContainText('Visited the Acme plant');
  // A task due today shows on Home.
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  await page.getByLabel('Task title').fill('Send the pilot offer');
  await page.getByLabel('Due').fill(today);
  await page.getByRole('button', { name: 'Create' }).last().click();
  await go(page, 'home');
  await expect(page.getByRole('region', { name: 'Due today' })).toContainText('Send the pilot offer');

  // Board: keyboard move to the next stage, then drag to the third.
  await go(page, 'board');
  const board = page.getByTestId('board');
  const card = board.getByRole('group', { name: 'Acme pilot' });
  await expect(board.locator('[data-stage="lead"]')).toContainText('Acme pilot');
  await card.focus();
  await page.keyboard.press('Control+ArrowRight');
  await expect(board.locator('[data-stage="qualified"]')).toContainText('Acme pilot');
  await board.getByRole('group', { name: 'Acme pilot' }).dragTo(board.locator('[data-stage="proposal"]'));
  await expect(board.locator('[data-stage="proposal"]')).toContainText('Acme pilot');
  await page.screenshot({ path: screenshotPath('journey-board') });

  // Palette: search as you type, Enter opens the record.
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill('Acme pil');
  await expect(page.getByRole('option', { name: /Acme pilot/ })).toBeVisible();
  await page.getByRole('option', { name: /Acme pilot/ }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Acme pilot');
  await expect(page.getByTestId('deal-stage')).toContainText('Proposal');

  // Lock: everything leaves the screen; unlock brings it back.
  await page.keyboard.press('Control+l');
  await expect(page.getByTestId('unlock')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('Acme');
  await page.getByTestId('unlock').click();
  await expect(page.getByTestId('recent')).toContainText('Acme pilot');
  await expect(page.getByTestId('recent')).toContainText('Acme GmbH');
  await expect(page.getByTestId('recent')).toContainText('张伟');
  await go(page, 'deal');
  await page.getByRole('button', { name: 'Acme pilot' }).click();
  await expect(page.getByTestId('deal-stage')).toContainText('Proposal');
  await expect(page.getByTestId('timeline')).toContainText('Visited the Acme plant');

  // Won, with a reason: the card leaves the board and the deal says so.
  await go(page, 'board');
  // Won and Lost live in each card's menu (issue 14: not two buttons on every card).
  await page.locator('[data-card-menu]').first().click();
  await page.locator('[data-won]').first().click();
  await page.getByTestId('close-reason').fill('Pilot budget approved');
  await page.getByTestId('close-confirm').click();
  await expect(page.getByTestId('board')).not.toContainText('Acme pilot');
  await go(page, 'deal');
  await page.getByRole('button', { name: 'Acme pilot' }).click();
  await expect(page.getByTestId('deal-stage')).toContainText('Won');
  expect(errors).toEqual([]);
});
