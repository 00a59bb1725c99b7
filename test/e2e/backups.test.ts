import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecord, firstRun, go, setLanguage, shot, watchErrors } from './support/app';
import { expect, startHost, stopHost, test } from './support/devhost';

test('backups panel: IT’s folder locked, verified list, restore says what came back, delete one and older ones (en, zh-CN)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-backups-'));
  const managed = path.join(root, 'Managed Backups');
  const policyFile = path.join(root, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ backupDirectory: managed, backupRetentionDays: 30 }), {
    mode: 0o644,
  });
  const host = await startHost(path.join(root, 'data'), 20_000, ['--policy', policyFile]);
  try {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    await createRecord(page, 'account', 'Kept AG');
    await go(page, 'settings');

    // IT's folder and age limit are shown and locked; the count stays the user's.
    await expect(page.getByTestId('setting-backupDirectory')).toBeDisabled();
    await expect(page.getByTestId('setting-backupDirectory')).toHaveValue(managed);
    await expect(page.getByTestId('managed-backupDirectory')).toHaveText('Managed by your organization');
    await expect(page.getByTestId('setting-backupRetentionDays')).toBeDisabled();
    await expect(page.getByTestId('setting-backupRetentionCount')).toBeEnabled();

    await page.getByTestId('backup-now').click();
    await expect(page.getByTestId('backup-list').locator('tbody tr')).toHaveCount(1);
    expect(readdirSync(managed).filter((f) => f.endsWith('.fvbackup'))).toHaveLength(1);
    await expect(page.getByTestId('backup-list')).toContainText('Verified');
    await createRecord(page, 'account', 'Later Ltd');
    await go(page, 'settings');
    await page.getByTestId('backup-now').click();
    await expect(page.getByTestId('backup-list').locator('tbody tr')).toHaveCount(2);
    await page.getByTestId('backup-list').scrollIntoViewIfNeeded();
    await shot(page, 'backups-panel-en-light');

    // Restore the older one: the app reopens on Home and says what it restored.
    await page
      .getByTestId('backup-list')
      .locator('tbody tr')
      .nth(1)
      .getByRole('button', { name: 'Restore' })
      .click();
    await page.getByRole('button', { name: 'Yes, restore' }).click();
    await expect(page.locator('[data-screen="home"]')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('restore-summary')).toContainText('Restored the backup of');
    await expect(page.getByTestId('restore-counts')).toContainText('Account: 1');
    await shot(page, 'restore-summary-en-light');

    await go(page, 'settings');
    await expect(page.getByTestId('restore-result')).toContainText('Account: 1');
    // Three now: both backups and the one made before the restore.
    const rows = page.getByTestId('backup-list').locator('tbody tr');
    await expect(rows).toHaveCount(3);
    await rows.nth(0).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(rows).toHaveCount(2);
    await page.getByTestId('delete-older-date').fill('2999-01-01');
    await page.getByTestId('delete-older').click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(rows).toHaveCount(1);

    await setLanguage(page, 'zh-CN');
    await expect(page.getByTestId('managed-backupDirectory')).toHaveText('由您的组织管理');
    await expect(page.getByTestId('backup-list')).toContainText('已校验');
    await page.getByTestId('backup-list').scrollIntoViewIfNeeded();
    await shot(page, 'backups-panel-zh-CN-light');
    expect(errors).toEqual([]);
  } finally {
    await stopHost(host);
    rmSync(root, { recursive: true, force: true });
  }
});
