import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

const focused = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

const sharedNames = (page: Page) =>
  page.evaluate(async () => {
    const r = await window.crm.invoke('savedViews.list', { limit: 50 });
    return r.ok ? r.value.items.map((v) => v.name) : ['error'];
  });

test('making a shared view private asks first, since the whole team loses it', async ({ page, host }) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'contact');
  await page.getByTestId('view-new').click();
  await page.getByTestId('view-name').fill('Team view');
  await page.getByTestId('view-share').check();
  await page.getByTestId('view-save').click();
  await expect(page.getByTestId('view-scope')).toContainText('Shared');
  expect(await sharedNames(page)).toEqual(['Team view']);

  // Asked, and cancelled: nothing changes.
  await page.getByTestId('view-toggle-share').click();
  await expect(page.getByRole('group', { name: 'Make private' })).toContainText(
    'takes it away from everyone else',
  );
  await page.getByTestId('view-private-cancel').click();
  await expect(page.getByTestId('view-toggle-share')).toBeFocused();
  await expect(page.getByTestId('view-scope')).toContainText('Shared');
  expect(await sharedNames(page)).toEqual(['Team view']);

  // Confirmed: the team's copy goes, a private one stays here.
  await page.getByTestId('view-toggle-share').click();
  await page.getByTestId('view-private-confirm').click();
  await expect(page.getByTestId('view-scope')).toContainText('Private');
  await expect.poll(() => sharedNames(page)).toEqual([]);
  expect(await focused(page)).toBe('view-select');
  expect(errors).toEqual([]);
});

test('saving and deleting a view by keyboard leaves focus on the view picker', async ({ page, host }) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'contact');
  await page.getByTestId('view-new').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('view-name')).toBeFocused();
  await page.keyboard.type('My view');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('view-scope')).toBeVisible();
  expect(await focused(page)).toBe('view-select');

  await page.getByTestId('view-delete').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('view-delete-confirm')).toBeFocused();
  // Escape steps back without deleting, to the Delete button.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('view-delete')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('view-scope')).toHaveCount(0);
  expect(await focused(page)).toBe('view-select');
  expect(errors).toEqual([]);
});
