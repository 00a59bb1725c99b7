import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstRun, shot, watchErrors } from './support/app';
import { expect, startHost, stopHost, test } from './support/devhost';
import { startSyncServer, stopSyncServer } from './support/syncserver';

/**
 * The offline lease on the lock screen. Real expiry (days passing, the server down, rollback) is
 * proven in `test/node/acceptance/lease.backups.test.ts` with one clock for app and server; a browser
 * against the dev host cannot move days. Here the lock screen's copy of the lease (`lease.json`) is
 * aged by hand to show the expired notice, and unlocking then shows that this copy decides nothing:
 * the record inside the vault does, and the check-in refreshes both.
 */
test('lock screen shows the lease and, once it has run out, the next step (en, zh-CN)', async ({ page }) => {
  test.setTimeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-lease-'));
  const policyFile = path.join(root, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ offlineLeaseDays: 7 }), { mode: 0o644 });
  const server = await startSyncServer(path.join(root, 'server'));
  const host = await startHost(path.join(root, 'data'), 20_000, ['--policy', policyFile]);
  try {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    const created = await page.evaluate(
      (url) => window.crm.invoke('workspace.create', { serverUrl: url, name: 'Lease' }),
      server.url,
    );
    expect(created.ok).toBe(true);
    await page.getByTestId('lock').click();
    await expect(page.getByTestId('unlock')).toBeVisible();
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('lock').click();
    await expect(page.getByTestId('lease-ok')).toContainText('must reach its sync server by');
    // Main writes the lock screen's copy while it locks: age it only once main has finished locking.
    const state = () =>
      page.evaluate(() => window.crm.invoke('vault.status').then((r) => (r.ok ? r.value.state : null)));
    await expect.poll(state).toBe('locked');

    const leaseFile = path.join(root, 'data', 'vault', 'lease.json');
    const now = Date.now();
    writeFileSync(
      leaseFile,
      JSON.stringify({ lastContactMs: now - 10 * 86_400_000, highWaterMs: now, managed: true }),
    );
    await page.reload();
    await expect(page.getByTestId('lease-expired')).toContainText('more than 7 days');
    await expect(page.getByTestId('lease-expired')).toContainText('Connect to the network and press Unlock');
    await shot(page, 'lease-expired-en-light');
    await page.evaluate(() => window.crm.invoke('settings.update', { language: 'zh-CN' }));
    await expect(page.getByTestId('lease-expired')).toContainText('超过 7 天');
    await shot(page, 'lease-expired-zh-CN-light');

    // The copy is not the record: unlock checks in with the server and opens.
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible({ timeout: 20_000 });
    await page.evaluate(() => window.crm.invoke('settings.update', { language: 'en' }));
    expect(errors).toEqual([]);
  } finally {
    await stopHost(host);
    await stopSyncServer(server);
    rmSync(root, { recursive: true, force: true });
  }
});
