/** Custom field values on a record page: messages that say what is wrong, and ticks that all arrive. */
import type { Page } from '@playwright/test';
import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

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
  let hold = false;
  const updates = new Set<unknown>();
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/rpc\?token=/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const m = JSON.parse(String(message)) as { id?: unknown; method?: string };
      if (m.method === 'accounts.update') updates.add(m.id);
      server.send(message);
    });
    server.onMessage((message) => {
      const m = JSON.parse(String(message)) as { id?: unknown };
      if (hold && updates.has(m.id)) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await firstRun(page, host.pageUrl);
  await defineField(page, 'Products', 'multiSelect', ['Pumps', 'Valves', 'Seals']);
  await createRecord(page, 'account', 'Multi GmbH');
  const panel = page.getByTestId('custom-fields-panel');
  hold = true;
  await panel.getByLabel('Pumps').click();
  await panel.getByLabel('Valves').click();
  await expect.poll(() => held.length).toBeGreaterThan(0);
  hold = false;
  for (const send of held.splice(0)) send();
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
