import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('an open task without a due date is on Home until it is done, never on no list at all', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Zeta Logistics');
  await page.getByTestId('task-new-title').fill('Call back about pallets');
  await page.getByTestId('task-create').click();
  await expect(page.getByTestId('record-tasks')).toContainText('No due date');

  await go(page, 'home');
  const undated = page.getByTestId('h-undated');
  const task = undated.locator('li', { hasText: 'Call back about pallets' });
  await expect(task).toBeVisible();
  await expect(page.getByTestId('h-undated-count')).toHaveText('1');
  // It is on none of the dated lists.
  for (const id of ['h-overdue', 'h-today', 'h-next'])
    await expect(page.getByTestId(id)).not.toContainText('Call back about pallets');
  // Done: it leaves Home, and the section with nothing in it goes too.
  await task.getByTestId('task-done').click();
  await expect(undated).toBeHidden();
  expect(errors).toEqual([]);
});
