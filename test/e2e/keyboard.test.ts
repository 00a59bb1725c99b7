import type { Page } from '@playwright/test';
import { createRecord, firstRun, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName}:${el.getAttribute('data-edit') ?? el.getAttribute('data-testid') ?? ''}` : '';
  });

test('inline edits by keyboard: Enter saves and Escape cancels, and focus stays on the field', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Zeta Logistics');
  await page.locator('[data-edit="industry"]').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Logistics');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-field="industry"]')).toHaveText('Logistics');
  expect(await focused(page)).toBe('BUTTON:industry');
  // The next field is one Tab away, and Escape leaves it as it was.
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('BUTTON:phone');
  await page.keyboard.press('Enter');
  await page.keyboard.type('+49 30 1234567');
  await page.keyboard.press('Escape');
  await expect(page.locator('[data-field="phone"]')).toHaveText('—');
  expect(await focused(page)).toBe('BUTTON:phone');
  expect(errors).toEqual([]);
});

test('a record picker past its first page by keyboard alone: More is an option, the list scrolls with it', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  // 60 accounts: the picker's first page holds 50, by name.
  await page.evaluate(async () => {
    for (let n = 0; n < 60; n++) {
      const r = await window.crm.invoke('accounts.create', { name: `Account ${String(n).padStart(2, '0')}` });
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  await createRecord(page, 'contact', 'Mei Chen');
  await page.locator('[data-edit="accountId"]').focus();
  await page.keyboard.press('Enter');
  const input = page.getByTestId('account-picker');
  await expect(input).toBeFocused();
  await expect(page.locator('[role="option"][data-option]')).toHaveCount(50);
  for (let n = 0; n < 50; n++) await page.keyboard.press('ArrowDown');
  const more = page.getByTestId('picker-more');
  await expect(more).toHaveAttribute('aria-selected', 'true');
  await expect(input).toHaveAttribute('aria-activedescendant', (await more.getAttribute('id')) ?? '');
  await expect(more).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('[role="option"][data-option]')).toHaveCount(60);
  // The active option is now the first of the new page: Account 50.
  await expect(page.locator('[role="option"][aria-selected="true"]')).toHaveAttribute(
    'data-option',
    'Account 50',
  );
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-field="accountId"]')).toHaveText('Account 51');
  expect(await focused(page)).toBe('BUTTON:accountId');

  // Tab out of an open picker moves on to the picker's own buttons, never to <body>.
  await page.keyboard.press('Enter');
  await expect(input).toBeFocused();
  await page.keyboard.press('Tab');
  expect(await focused(page)).not.toBe('BODY:');
  expect(await focused(page)).toMatch(/^BUTTON:/);
  // Escape closes the picker and gives focus back to Edit.
  await page.keyboard.press('Escape');
  expect(await focused(page)).toBe('BUTTON:accountId');
  expect(errors).toEqual([]);
});

test('the palette gives focus back on Escape, a create that fails stays open and says why, long text still searches', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await page.locator('[data-nav="contact"]').click();
  await page.getByTestId('new-name').focus();
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('palette-input')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('palette')).toHaveCount(0);
  await expect(page.getByTestId('new-name')).toBeFocused();

  // A name over the 200-character limit: main refuses it; the palette keeps the text and says so.
  await page.keyboard.press('Control+k');
  const text = `new contact ${'x'.repeat(250)}`;
  await page.getByTestId('palette-input').fill(text);
  await expect(page.locator('[role="option"]').first()).toContainText('xxxxxxxx');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('palette').getByRole('alert')).toBeVisible();
  await expect(page.getByTestId('palette-input')).toHaveValue(text);
  // A valid name from the same palette works.
  await page.getByTestId('palette-input').fill('new contact Ann Lee');
  await expect(page.locator('[role="option"]').first()).toContainText('Ann Lee');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('record-title')).toHaveText('Ann Lee');
  // Text longer than the search takes is searched by its start instead of finding nothing.
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`Ann ${'Lee '.repeat(70)}`);
  await expect(page.locator('[role="option"]', { hasText: 'Ann Lee' })).toHaveCount(1);
  await expect(page.getByTestId('palette').getByRole('alert')).toHaveCount(0);
  await page.keyboard.press('Escape');
  expect(errors).toEqual([]);
});

test('a backup delete asks with Cancel focused; cancelling puts focus back in the row, deleting on the outcome', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await page.locator('[data-nav="settings"]').click();
  await page.getByTestId('backup-now').click();
  const row = page.getByTestId('backup-list').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: 'Delete' }).focus();
  await page.keyboard.press('Enter');
  await expect(row.getByRole('button', { name: 'Yes, delete' })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(row.getByRole('button', { name: 'Yes, delete' })).toHaveCount(0);
  expect(await focused(page)).toMatch(/^BUTTON:/);
  await expect(row).toHaveCount(1);
  // Deleting it takes its row away: focus goes to what was done, not to <body>.
  await row.getByRole('button', { name: 'Delete' }).focus();
  await page.keyboard.press('Enter');
  await row.getByRole('button', { name: 'Yes, delete' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('backup-list')).toHaveCount(0);
  await expect(page.getByTestId('backup-done')).toBeFocused();
  await expect(page.getByTestId('backup-done')).toHaveText(/deleted/i);
  expect(errors).toEqual([]);
});
