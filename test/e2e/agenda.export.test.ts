import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { firstRun, setLanguage, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

async function exported(page: Page): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await page.getByTestId('agenda-ics').click();
  const file = await download;
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

test('the agenda file holds what the agenda shows: "My records" leaves others’ items out', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await setLanguage(page, 'zh-CN');
  await page.evaluate(async () => {
    const at = Date.now() + 3_600_000;
    const me = await window.crm.invoke('members.list', {});
    if (!me.ok) throw new Error(me.error.code);
    for (const [title, assigneeId] of [
      ['Not my task', 'someone-else'],
      ['My task', me.value.selfId],
    ] as const) {
      const r = await window.crm.invoke('tasks.create', { title, dueAt: at, assigneeId });
      if (!r.ok) throw new Error(r.error.code);
    }
    const m = await window.crm.invoke('activities.create', { kind: 'meeting', occurredAt: at });
    if (!m.ok) throw new Error(m.error.code);
  });
  await page.locator('[data-nav="agenda"]').click();
  const agenda = page.getByTestId('agenda');
  await expect(agenda).toContainText('Not my task');
  await page.getByTestId('owner-scope').selectOption('mine');
  await expect(agenda).not.toContainText('Not my task');
  await expect(agenda).toContainText('My task');
  const file = await exported(page);
  expect(file.text).toContain('SUMMARY:My task');
  expect(file.text).not.toContain('Not my task');
  // A meeting without a subject is called what the screen calls it, and the file is named after
  // the local first day shown.
  expect(file.text).toContain('SUMMARY:会议');
  const firstDay = await page.evaluate(() => {
    const d = new Date();
    const monday = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${monday.getFullYear()}-${pad(monday.getMonth() + 1)}-${pad(monday.getDate())}`;
  });
  expect(file.name).toBe(`agenda-${firstDay}.ics`);
  expect(errors).toEqual([]);
});
