import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { RpcClient } from './support/auth';
import { expect, test } from './support/devhost';

async function seed(page: Page, name: string, calls: readonly { subject: string; hoursAgo: number }[]) {
  return page.evaluate(
    async ({ name, calls }) => {
      const acc = await window.crm.invoke('accounts.create', { name });
      if (!acc.ok) throw new Error(acc.error.code);
      const ids: string[] = [];
      for (const c of calls) {
        const r = await window.crm.invoke('activities.create', {
          kind: 'call',
          occurredAt: Date.now() - c.hoursAgo * 3_600_000,
          subject: c.subject,
          accountId: acc.value.id,
        });
        if (!r.ok) throw new Error(r.error.code);
        ids.push(r.value.id);
      }
      return { account: acc.value.id, ids };
    },
    { name, calls },
  );
}

async function openAccount(page: Page, name: string): Promise<void> {
  await go(page, 'account');
  await page.getByTestId('list').getByText(name).first().click();
  await expect(page.getByTestId('record-title')).toHaveText(name);
}

test('a long timeline says there is more and shows the older entries on request', async ({ page, host }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  const calls = Array.from({ length: 60 }, (_, k) => ({ subject: `Call number ${k + 1}`, hoursAgo: k + 1 }));
  await seed(page, 'Busy Account AG', calls);
  await openAccount(page, 'Busy Account AG');
  const timeline = page.getByTestId('timeline');
  await expect(timeline.locator(':scope > li')).toHaveCount(50);
  await expect(timeline).not.toContainText('Call number 60');
  await page.getByTestId('timeline-more').click();
  // 60 calls and the account's creation.
  await expect(timeline.locator(':scope > li')).toHaveCount(61);
  await expect(timeline).toContainText('Call number 60');
  await expect(page.getByTestId('timeline-more')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('an open "Log outcome" form stays with its activity when a newer one lands above it', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  const { account, ids } = await seed(page, 'Shifting Timeline Ltd', [
    { subject: 'Older call', hoursAgo: 2 },
    { subject: 'Newer call', hoursAgo: 1 },
  ]);
  const [older, newer] = ids as [string, string];
  await openAccount(page, 'Shifting Timeline Ltd');
  const timeline = page.getByTestId('timeline');
  await page.getByRole('button', { name: 'Log outcome · Older call' }).click();
  await page.getByTestId('outcome-input').fill('Signed the order');
  // Meanwhile another window logs a call that sorts above both.
  const outside = await RpcClient.open(host.rpcUrl);
  try {
    await outside.call('activities.create', {
      kind: 'call',
      occurredAt: Date.now() - 30 * 60_000,
      subject: 'Brand new call',
      accountId: account,
    });
  } finally {
    outside.close();
  }
  await expect(timeline).toContainText('Brand new call');
  const form = page.getByTestId('outcome-input');
  await expect(form).toHaveValue('Signed the order');
  await expect(timeline.locator(':scope > li').filter({ has: form })).toContainText('Older call');
  await page.getByTestId('outcome-save').click();
  await expect(timeline.getByTestId('activity-outcome')).toHaveCount(1);
  const outcome = (id: string) =>
    page.evaluate(async (id) => {
      const r = await window.crm.invoke('activities.get', { id });
      return r.ok ? r.value.outcome : 'error';
    }, id);
  expect(await outcome(older)).toBe('Signed the order');
  expect(await outcome(newer)).toBeNull();
  expect(errors).toEqual([]);
});
