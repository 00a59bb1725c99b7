/** Custom field values on a record page: messages that say what is wrong, and ticks that all arrive. */
import type { Page } from '@playwright/test';
import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';
import { holdReplies } from './support/slowmain';

async function defineField(page: Page, label: string, kind: string, options: string[] = []) {
  await go(page, 'settings');
  const section = page.getByTestId('custom-fields');
  await section.getByTestId('cf-entity').selectOption('account');
  await section.getByTestId('cf-new-label').fill(label);
  await section.getByTestId('cf-new-kind').selectOption(kind);
  if (options.length) await section.getByTestId('cf-new-options').fill(options.join('\n'));
  await section.getByTestId('cf-new-save').click();
  await expect(section.locator(`[data-testid="cf-row"][data-label="${label}"]`)).toBeVisible();
}

test('a custom text field over its length limit says the text is too long, not "This value is not valid."', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await defineField(page, 'Background', 'text');
  await createRecord(page, 'account', 'Long Notes GmbH');
  const input = page.getByTestId('custom-fields-panel').locator('input[data-custom="Background"]');
  await input.fill('长'.repeat(2001));
  await input.press('Enter');
  const alert = page.getByTestId('custom-fields-panel').getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveText('This is too long.');
  expect(errors).toEqual([]);
});

test('ticking two options of a custom multi-choice field while the first save is on its way keeps both', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  // Replies to accounts.update are held back while the test says so: a slow main, as under a long sync.
  const slow = await holdReplies(page, 'accounts.update');
  await firstRun(page, host.pageUrl);
  await defineField(page, 'Products', 'multiSelect', ['Pumps', 'Valves', 'Seals']);
  await createRecord(page, 'account', 'Multi GmbH');
  const panel = page.getByTestId('custom-fields-panel');
  slow.hold(true);
  await panel.getByLabel('Pumps').click();
  await panel.getByLabel('Valves').click();
  await expect.poll(() => slow.count()).toBeGreaterThan(0);
  slow.hold(false);
  slow.release();
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const r = await window.crm.invoke('accounts.list', { limit: 5 });
        if (!r.ok) return -1;
        const v = Object.values(r.value.items[0]!.custom)[0];
        return Array.isArray(v) ? v.length : 0;
      }),
    )
    .toBe(2);
  await expect(panel.getByLabel('Pumps')).toBeChecked();
  await expect(panel.getByLabel('Valves')).toBeChecked();
  expect(errors).toEqual([]);
});
