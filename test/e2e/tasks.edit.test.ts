import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

async function setup(page: Page, url: string): Promise<void> {
  await firstRun(page, url);
  await page.evaluate(async () => {
    const acc = await window.crm.invoke('accounts.create', { name: 'Task Focus GmbH' });
    if (!acc.ok) throw new Error(acc.error.code);
    for (const [title, days] of [
      ['Send the quote', 1],
      ['Call back Mr. Li', 2],
    ] as const) {
      const r = await window.crm.invoke('tasks.create', {
        title,
        dueAt: Date.now() + days * 86_400_000,
        accountId: acc.value.id,
      });
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  await go(page, 'account');
  await page.getByTestId('list').getByText('Task Focus GmbH').first().click();
  await expect(page.getByTestId('record-tasks')).toContainText('Send the quote');
}

test('editing and deleting a task by keyboard keeps focus: on Edit after save or Escape, on Undo after delete', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await setup(page, host.pageUrl);
  const tasks = page.getByTestId('record-tasks');
  const edit = tasks.getByRole('button', { name: 'Edit · Send the quote' });
  await edit.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('task-title-input')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(tasks.getByRole('button', { name: 'Edit · Send the quote' })).toBeFocused();

  await page.keyboard.press('Enter');
  await page.getByTestId('task-title-input').fill('Send the revised quote');
  await page.keyboard.press('Enter');
  await expect(tasks).toContainText('Send the revised quote');
  await expect(tasks.getByRole('button', { name: 'Edit · Send the revised quote' })).toBeFocused();

  await tasks.getByRole('button', { name: 'Delete · Call back Mr. Li' }).focus();
  await page.keyboard.press('Enter');
  await expect(tasks).not.toContainText('Call back Mr. Li');
  expect(await focusedTestId(page)).toBe('undo');
  // And Enter brings it back.
  await page.keyboard.press('Enter');
  await expect(tasks).toContainText('Call back Mr. Li');
  expect(errors).toEqual([]);
});

test('saving a task with its title cleared says the title is needed and keeps the edit open', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await setup(page, host.pageUrl);
  const tasks = page.getByTestId('record-tasks');
  await tasks.getByRole('button', { name: 'Edit · Send the quote' }).click();
  await page.getByTestId('task-title-input').fill('   ');
  await tasks.locator('li.editing').getByTestId('due-date').fill('2031-01-15');
  await page.getByTestId('task-save').click();
  await expect(page.getByTestId('task-title-error')).toHaveText('This field is required.');
  await expect(page.getByTestId('task-title-input')).toHaveAttribute('aria-invalid', 'true');
  // Typed again: the date chosen is still there and saves with it.
  await page.getByTestId('task-title-input').fill('Send the quote by post');
  await expect(page.getByTestId('task-title-error')).toHaveCount(0);
  await page.getByTestId('task-save').click();
  await expect(tasks).toContainText('Send the quote by post');
  await expect(tasks).toContainText('2031');
  expect(errors).toEqual([]);
});

test('"Check now" on the security log keeps focus on the button while and after it checks', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'settings');
  await page.getByTestId('open-security-log').click();
  await page.getByTestId('audit-verify').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('audit-chain-intact')).toBeVisible();
  await expect(page.getByTestId('audit-verify')).toBeFocused();
  expect(errors).toEqual([]);
});
