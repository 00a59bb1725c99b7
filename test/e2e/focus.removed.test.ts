/**
 * Focus after the focused control leaves the page (a completed task, an undo, a closed deal, a
 * dismissed dialog): it stays on a control near where the user was, never on <body>.
 */
import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

/** What has focus: BODY when it fell out of the page, else its test id, label or tag. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return 'BODY';
    return (
      el.getAttribute('data-testid') ??
      el.getAttribute('data-deal') ??
      el.getAttribute('aria-label') ??
      el.tagName
    );
  });

async function twoDeals(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
      if (!r.ok) throw new Error(r.error.code);
      return r.value;
    };
    const p = ok(await window.crm.invoke('pipelines.list', {})).items[0]!;
    for (const name of ['Forklift fleet', 'Pallet racks'])
      ok(await window.crm.invoke('deals.create', { name, pipelineId: p.id, stageId: p.stages[0]!.id }));
  });
  await go(page, 'board');
  await expect(page.locator('.deal-card')).toHaveCount(2);
}

/** Two deals on the board, and the won dialog of the first opened by keyboard from its Actions menu. */
async function wonDialog(page: Page): Promise<void> {
  await twoDeals(page);
  await page.getByRole('button', { name: 'Actions · Forklift fleet' }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter'); // "Mark as won", focused in the menu
}

test('board, keyboard only: cancelling the won dialog with Escape gives focus back to the card, not <body>', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await wonDialog(page);
  await expect(page.getByTestId('close-reason')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('close-reason')).toBeHidden();
  await expect(page.locator('.deal-card', { hasText: 'Forklift fleet' })).toBeFocused();
  expect(errors).toEqual([]);
});

test('board, keyboard only: confirming won leaves focus on the board (a neighbouring card), not <body>', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await wonDialog(page);
  await page.getByTestId('close-reason').fill('Best service');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('close-confirm')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.deal-card')).toHaveCount(1);
  await expect.poll(() => focused(page)).not.toBe('BODY');
  expect(errors).toEqual([]);
});

async function twoTasksToday(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const start = new Date();
    start.setHours(23, 0, 0, 0);
    for (const title of ['Send the quote', 'Call back Mr. Li']) {
      const r = await window.crm.invoke('tasks.create', { title, dueAt: start.getTime() });
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  await go(page, 'settings');
  await go(page, 'home');
}

test('completing a task on Home by keyboard (Space) leaves focus on a control, not on <body>', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await twoTasksToday(page);
  const today = page.getByTestId('h-today');
  await expect(page.getByTestId('h-today-count')).toHaveText('2');
  await today.locator('li', { hasText: 'Send the quote' }).getByTestId('task-done').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('h-today-count')).toHaveText('1');
  // The next task of the list: Space again completes it too.
  await expect(today.locator('li', { hasText: 'Call back Mr. Li' }).getByTestId('task-done')).toBeFocused();
  expect(errors).toEqual([]);
});

test('undoing a task delete by keyboard leaves focus on a control (the restored task), not on <body>', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await twoTasksToday(page);
  const today = page.getByTestId('h-today');
  await today.locator('li', { hasText: 'Call back Mr. Li' }).getByTestId('task-delete').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('h-today-count')).toHaveText('1');
  expect(await focused(page)).toBe('undo');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('h-today-count')).toHaveText('2');
  await expect(page.getByTestId('undo-toast')).toBeHidden();
  await expect.poll(() => focused(page)).not.toBe('BODY');
  expect(errors).toEqual([]);
});
