import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('text typed and not saved survives opening another record, and goes once saved or cancelled', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'contact', 'Other Person');
  await createRecord(page, 'contact', 'Draft Person');
  await page.locator('[data-edit="notes"]').click();
  await page.locator('[data-input="notes"]').fill('Half a sentence about the');
  await page.getByTestId('activity-subject').fill('Trade fair');
  await page.getByTestId('activity-body').fill('Met at the fair, wants');

  // The rep looks something up on another record, then comes back.
  const open = async (name: string) => {
    await go(page, 'contact');
    await page.locator('[role="row"]', { hasText: name }).locator('.row-link').click();
    await expect(page.locator('[data-field="name"], [data-input="name"]').first()).toBeVisible();
  };
  await open('Other Person');
  await expect(page.locator('[data-input="notes"]')).toHaveCount(0);
  await expect(page.getByTestId('activity-body')).toHaveValue('');
  await open('Draft Person');
  await expect(page.locator('[data-input="notes"]')).toHaveValue('Half a sentence about the');
  await expect(page.getByTestId('activity-subject')).toHaveValue('Trade fair');
  await expect(page.getByTestId('activity-body')).toHaveValue('Met at the fair, wants');

  // Saved: the note is the field's value and no draft comes back.
  await page.locator('[data-input="notes"]').fill('Half a sentence about the pilot.');
  await page.locator('[data-save="notes"]').click();
  await expect(page.locator('[data-field="notes"]')).toHaveText('Half a sentence about the pilot.');
  await page.getByTestId('activity-save').click();
  await expect(page.getByTestId('timeline')).toContainText('Met at the fair, wants');
  await expect(page.getByTestId('activity-body')).toHaveValue('');
  // Cancelled: the old value shows again, and stays after leaving.
  await page.locator('[data-edit="notes"]').click();
  await page.locator('[data-input="notes"]').fill('A change I drop');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await open('Other Person');
  await open('Draft Person');
  await expect(page.locator('[data-input="notes"]')).toHaveCount(0);
  await expect(page.locator('[data-field="notes"]')).toHaveText('Half a sentence about the pilot.');
  await expect(page.getByTestId('activity-subject')).toHaveValue('');
  expect(errors).toEqual([]);
});

test('a save sent twice at once creates one entry, and text typed while it is on its way stays', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'contact', 'Busy Person');
  await page.getByTestId('activity-subject').fill('Trade fair');
  await page.getByTestId('activity-body').fill('Met at the fair');
  // Two submits in one task (a double click, a second Enter), then the next note begins at once.
  await page.getByTestId('plan-activity').evaluate((form) => {
    if (!(form instanceof HTMLFormElement)) throw new Error('not a form');
    form.requestSubmit();
    form.requestSubmit();
    const body = form.querySelector('textarea');
    if (!body) throw new Error('no body field');
    // React reads the value through the prototype's setter, as typing sets it.
    Reflect.set(HTMLTextAreaElement.prototype, 'value', 'Next: send the', body);
    body.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText('Met at the fair');
  await expect(page.getByTestId('activity-subject')).toHaveValue('');
  await expect(page.getByTestId('activity-body')).toHaveValue('Next: send the');
  await expect(timeline.locator('li', { hasText: 'Trade fair' })).toHaveCount(1);

  await page.getByTestId('task-new-title').fill('Send the brochure');
  await page.getByTestId('task-create').dblclick();
  await expect(timeline).toContainText('Send the brochure');
  await page.getByTestId('task-new-title').fill('');
  await expect(timeline.locator('li', { hasText: 'Send the brochure' })).toHaveCount(1);

  await go(page, 'contact');
  await page.getByTestId('view-new').click();
  await page.getByTestId('view-name').fill('Trade fair leads');
  await page.getByTestId('view-save').dblclick();
  await expect(page.getByTestId('view-form')).toHaveCount(0);
  await expect(page.getByTestId('views-nav').getByText('Trade fair leads')).toHaveCount(1);
  expect(errors).toEqual([]);
});
