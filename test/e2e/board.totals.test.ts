import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test("an empty board column totals zero in the board's currency, not the browser's", async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  // An English (US) browser, a team selling in yuan.
  await firstRun(page, host.pageUrl);
  await page.evaluate(async () => {
    const p = await window.crm.invoke('pipelines.list', {});
    if (!p.ok) throw new Error(p.error.code);
    const pipelineId = p.value.items[0]!.id;
    for (const [name, stageId] of [
      ['Shanghai depot', 'lead'],
      ['Suzhou line', 'proposal'],
    ] as const) {
      const r = await window.crm.invoke('deals.create', {
        name,
        pipelineId,
        stageId,
        amountMinor: 1_000_000,
        currency: 'CNY',
      });
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  await go(page, 'board');
  await expect(page.getByTestId('total-lead')).toContainText('CN¥10,000.00');
  await expect(page.getByTestId('total-qualified')).toContainText('CN¥0.00');
  await expect(page.getByTestId('total-negotiation')).toContainText('CN¥0.00');
  await expect(page.getByTestId('board')).not.toContainText('$');
  expect(errors).toEqual([]);
});
