import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstRun, go, scratchDir, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('an import flags a second 张伟 and the result merges it field by field, keeping the activity', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  const zw = await page.evaluate(async () => {
    const c = await window.crm.invoke('contacts.create', { name: '张伟', emails: ['zw@example.cn'] });
    if (!c.ok) throw new Error(c.error.code);
    const a = await window.crm.invoke('activities.create', {
      kind: 'visit',
      occurredAt: Date.now(),
      subject: '拜访',
      contactId: c.value.id,
    });
    if (!a.ok) throw new Error(a.error.code);
    return c.value.id;
  });
  const dir = scratchDir('e2e-merge');
  const file = path.join(dir, 'second-zhang-wei.csv');
  writeFileSync(file, '姓名,邮箱,手机,职位\r\n张 伟,zhang.wei@work.example,138 0013 8000,采购经理\r\n');
  await go(page, 'import');
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-duplicates')).toContainText('张伟');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('duplicates-panel')).toBeVisible();
  await page.getByTestId('merge-open').click();
  await expect(page.getByTestId('merge-dialog')).toBeVisible();
  // The kept record has no title: the other's is preselected; the name stays the kept one.
  await expect(page.getByTestId('merge-title-other')).toBeChecked();
  await expect(page.getByTestId('merge-name-keep')).toBeChecked();
  await shot(page, 'merge-dialog-en-light');
  await page.getByTestId('merge-confirm').click();
  await expect(page.getByTestId('merge-dialog')).toBeHidden();
  await expect(page.getByTestId('duplicates-panel')).toBeHidden();
  const after = await page.evaluate(async (id) => {
    const list = await window.crm.invoke('contacts.list', { limit: 50 });
    const acts = await window.crm.invoke('activities.list', { filter: { contactId: id } });
    if (!list.ok || !acts.ok) throw new Error('list failed');
    return { contacts: list.value.items, activities: acts.value.items.length };
  }, zw);
  expect(after.contacts).toHaveLength(1);
  expect(after.contacts[0]).toMatchObject({
    id: zw,
    name: '张伟',
    title: '采购经理',
    emails: ['zw@example.cn', 'zhang.wei@work.example'],
    phones: ['138 0013 8000'],
  });
  expect(after.activities).toBe(1);
  expect(errors).toEqual([]);
});

test('a merge names the two accounts and keeps the other contact’s recorded marketing opt-in', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  const kept = await page.evaluate(async () => {
    const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
      if (!r.ok) throw new Error(r.error.code);
      return r.value;
    };
    const acme = ok(await window.crm.invoke('accounts.create', { name: 'Acme GmbH' }));
    const globex = ok(await window.crm.invoke('accounts.create', { name: 'Globex Ltd' }));
    const first = ok(
      await window.crm.invoke('contacts.create', {
        name: 'Ann Lee',
        emails: ['ann@acme.example'],
        accountId: acme.id,
      }),
    );
    ok(
      await window.crm.invoke('contacts.create', {
        name: 'Ann Lee',
        emails: ['ann@globex.example'],
        accountId: globex.id,
        consent: { marketingOptIn: true, recordedAt: Date.now(), source: 'Trade fair form' },
      }),
    );
    return first.id;
  });
  await go(page, 'contact');
  await page
    .getByTestId('list')
    .locator('[role="row"]', { hasText: 'ann@acme.example' })
    .getByRole('button', { name: 'Ann Lee' })
    .click();
  await page.getByTestId('merge-open').click();
  const dialog = page.getByTestId('merge-dialog');
  const accountRow = dialog.locator('tr', { has: page.getByTestId('merge-accountId-keep') });
  await expect(accountRow).toContainText('Acme GmbH');
  await expect(accountRow).toContainText('Globex Ltd');
  await expect(dialog.getByTestId('merge-consent')).toContainText('Marketing consent');
  await page.getByTestId('merge-confirm').click();
  await expect(dialog).toBeHidden();
  const after = await page.evaluate(async () => {
    const r = await window.crm.invoke('contacts.list', { limit: 10 });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.items.map((c) => ({ id: c.id, emails: c.emails.length, consent: c.consent }));
  });
  expect(after).toEqual([
    {
      id: kept,
      emails: 2,
      consent: { marketingOptIn: true, recordedAt: expect.any(Number), source: 'Trade fair form' },
    },
  ]);
  expect(errors).toEqual([]);
});
