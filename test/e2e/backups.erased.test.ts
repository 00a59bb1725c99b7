import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecord, firstRun, go, setLanguage, watchErrors } from './support/app';
import { expect, startHost, stopHost, test } from './support/devhost';

test('backups made before an erasure say they contain erased data and are purged in one action (en, zh-CN)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-erased-'));
  const host = await startHost(path.join(root, 'data'), 20_000);
  try {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    await createRecord(page, 'contact', 'Erin Erasable');
    await go(page, 'settings');
    await page.getByTestId('backup-now').click();
    const rows = page.getByTestId('backup-list').locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(page.getByTestId('backup-contains-erased')).toHaveCount(0);
    await expect(page.getByTestId('purge-erased')).toHaveCount(0);

    const erased = await page.evaluate(async () => {
      const list = await window.crm.invoke('contacts.list', { limit: 10 });
      if (!list.ok) return list.error.code;
      const id = list.value.items[0]!.id;
      const r = await window.crm.invoke('privacy.erasePerson', { contactId: id });
      return r.ok ? 'ok' : r.error.code;
    });
    expect(erased).toBe('ok');

    // The panel lists again when it opens.
    await go(page, 'contact');
    await setLanguage(page, 'zh-CN');
    await expect(page.getByTestId('backup-contains-erased')).toHaveText('含已删除数据');
    await expect(page.getByTestId('purge-erased-button')).toHaveText('删除含已删除数据的备份');
    await setLanguage(page, 'en');
    await expect(page.getByTestId('backup-contains-erased')).toHaveText('contains erased data');
    await page.getByTestId('purge-erased-button').click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(page.getByTestId('backup-list')).toHaveCount(0);
    // A backup made now holds nothing erased.
    await page.getByTestId('backup-now').click();
    await expect(rows).toHaveCount(1);
    await expect(page.getByTestId('backup-contains-erased')).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await stopHost(host);
    rmSync(root, { recursive: true, force: true });
  }
});
