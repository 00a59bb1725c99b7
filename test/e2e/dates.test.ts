import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

// A rep in California: any zone west of UTC read a bare calendar day as the day before.
test.use({ timezoneId: 'America/Los_Angeles', locale: 'en-US' });

test('a close date is the same calendar day on the list, the record page and the board, west of UTC', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'deal', 'Quarter-end crane');
  const stored = await page.evaluate(async () => {
    const list = await window.crm.invoke('deals.list', { limit: 5 });
    if (!list.ok) throw new Error(list.error.code);
    const d = await window.crm.invoke('deals.update', {
      id: list.value.items[0]!.id,
      patch: { expectedCloseDate: '2027-03-31' },
    });
    if (!d.ok) throw new Error(d.error.code);
    return d.value.expectedCloseDate;
  });
  expect(stored).toBe('2027-03-31');
  await go(page, 'deal');
  await expect(page.getByTestId('list')).toContainText('Mar 31, 2027');
  await page.getByRole('button', { name: 'Quarter-end crane' }).click();
  await expect(page.locator('[data-field="expectedCloseDate"]')).toHaveText('Mar 31, 2027');
  await go(page, 'board');
  await expect(page.getByTestId('board')).toContainText('Mar 31, 2027');
  await expect(page.locator('main')).not.toContainText('Mar 30, 2027');
  expect(errors).toEqual([]);
});
