import type { Page } from '@playwright/test';
import { createRecord, firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';
import { holdReplies } from './support/slowmain';

async function edit(page: Page, field: string, text: string): Promise<void> {
  await page.locator(`[data-edit="${field}"]`).click();
  await page.locator(`[data-input="${field}"]`).fill(text);
  await page.locator(`[data-input="${field}"]`).press('Enter');
}

const stored = (page: Page) =>
  page.evaluate(async () => {
    const r = await window.crm.invoke('deals.list', { limit: 5 });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.items.map((d) => ({ currency: d.currency, amountMinor: d.amountMinor }));
  });

test("a deal's currency is a real ISO code typed in any case, and an amount past the bound names the bound", async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'deal', 'Forklift fleet');
  const error = page.getByTestId('field-error');

  // A made-up code is refused and nothing is saved.
  await edit(page, 'currency', 'XYZ');
  await expect(error).toHaveText('Enter a three-letter currency code, such as EUR, USD or CNY.');
  await page.keyboard.press('Escape');
  // Lower case is the same code.
  await edit(page, 'currency', ' jpy ');
  await expect(page.locator('[data-field="currency"]')).toHaveText('JPY');
  await edit(page, 'amountMinor', '250000');
  await expect(page.locator('[data-field="amountMinor"]')).toHaveText('¥250,000');

  // Too large: the message says the largest amount, whether or not it still fits exact minor units.
  for (const huge of ['5000000000000000', '90000000000000000000']) {
    await edit(page, 'amountMinor', huge);
    await expect(error).toContainText('¥1,000,000,000,000,000');
    await page.keyboard.press('Escape');
  }
  expect(await stored(page)).toEqual([{ currency: 'JPY', amountMinor: 250_000 }]);
  expect(errors).toEqual([]);
});

test("two contact roles set before the first save comes back are both kept: the second never writes back the deal's old roles", async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  // Replies to deals.update are held back while the test says so: a slow main, as under a long sync.
  const slow = await holdReplies(page, 'deals.update');
  await firstRun(page, host.pageUrl);
  await page.evaluate(async () => {
    const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
      if (!r.ok) throw new Error(r.error.code);
      return r.value;
    };
    const p = ok(await window.crm.invoke('pipelines.list', {})).items[0]!;
    const a = ok(await window.crm.invoke('contacts.create', { name: 'Anna Berg' }));
    const b = ok(await window.crm.invoke('contacts.create', { name: 'Bo Lind' }));
    ok(
      await window.crm.invoke('deals.create', {
        name: 'Forklift fleet',
        pipelineId: p.id,
        stageId: p.stages[0]!.id,
        contactIds: [a.id, b.id],
      }),
    );
  });
  await go(page, 'deal');
  await page.getByRole('button', { name: 'Forklift fleet' }).click();
  const role = (name: string) => page.locator(`[data-contact="${name}"]`).getByTestId('contact-role');
  await expect(role('Bo Lind')).toBeVisible();
  slow.hold(true);
  await role('Anna Berg').selectOption('decisionMaker');
  await role('Bo Lind').selectOption('champion');
  await expect.poll(() => slow.count()).toBeGreaterThan(0);
  slow.hold(false);
  slow.release();
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const r = await window.crm.invoke('deals.list', { limit: 5 });
        return r.ok ? Object.values(r.value.items[0]!.contactRoles).sort() : [];
      }),
    )
    .toEqual(['champion', 'decisionMaker']);
  await expect(role('Anna Berg')).toHaveValue('decisionMaker');
  await expect(role('Bo Lind')).toHaveValue('champion');
  expect(errors).toEqual([]);
});
