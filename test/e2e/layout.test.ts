import type { Page } from '@playwright/test';
import { createRecord, firstRun, go, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

/** The page scrolls only vertically: nothing is wider than the window. */
async function noSideScroll(page: Page, label: string) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(over, `${label} is wider than the window`).toBeLessThanOrEqual(0);
}

/** The width of the element, and whether two of them sit side by side. */
async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} not shown`);
  return b;
}

test('wide screens are used (two-column record pages, wide lists) and 1280x720 stays usable', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Acme GmbH');
  // Record page: fields and the related/timeline column side by side, across most of the screen.
  const [left, right] = await page.locator('.record-grid > div').all();
  const l = await left!.boundingBox();
  const r = await right!.boundingBox();
  expect(l && r && r.x > l.x + l.width - 1).toBe(true);
  expect((r?.x ?? 0) + (r?.width ?? 0) - (l?.x ?? 0)).toBeGreaterThan(1500);
  await shot(page, 'layout-1920-account');
  await go(page, 'contact');
  expect((await box(page, '[data-testid="list"]')).width).toBeGreaterThan(1500);
  await go(page, 'board');
  expect((await box(page, '[data-testid="board"]')).width).toBeGreaterThan(1500);
  await shot(page, 'layout-1920-board');

  await page.setViewportSize({ width: 1280, height: 720 });
  for (const nav of ['home', 'account', 'contact', 'deal', 'board', 'import', 'settings'] as const) {
    await go(page, nav);
    await noSideScroll(page, nav);
  }
  await page.locator('[data-nav="agenda"]').click();
  await expect(page.locator('[data-screen="agenda"]')).toBeVisible();
  await noSideScroll(page, 'agenda');
  await go(page, 'account');
  await page.getByRole('button', { name: 'Acme GmbH' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Acme GmbH');
  await noSideScroll(page, 'account page');
  // At 1280 the record page keeps its two columns.
  const [l2, r2] = await page.locator('.record-grid > div').all();
  const lb = await l2!.boundingBox();
  const rb = await r2!.boundingBox();
  expect(lb && rb && rb.x > lb.x + lb.width - 1).toBe(true);
  await shot(page, 'layout-1280-account');
  expect(errors).toEqual([]);
});
