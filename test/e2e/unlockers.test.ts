import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRecord, firstRun, go, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('settings sets a PIN; the lock screen offers it and it opens the vault', async ({ page, host }) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Pin Unlock Ltd');
  await go(page, 'settings');
  const panel = page.getByTestId('unlockers');
  await expect(panel.getByTestId('unlocker-keychain')).toBeVisible();
  await expect(panel.getByTestId('unlocker-recovery-code')).toBeVisible();
  await page.getByTestId('pin-new').fill('1234');
  await expect(page.getByTestId('pin-save')).toBeDisabled();
  await page.getByTestId('pin-new').fill('739146');
  await page.getByTestId('pin-repeat').fill('739146');
  await page.getByTestId('pin-save').click();
  // argon2id at the production cost (64 MiB) runs in main: allow for a loaded machine.
  await expect(panel.getByTestId('unlocker-pin')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('pin-remove')).toBeVisible();
  await shot(page, 'unlockers-settings-en-light');

  await page.getByTestId('lock').click();
  await expect(page.getByTestId('pin-unlock')).toBeVisible();
  await page.getByTestId('pin-input').fill('000000');
  await page.getByTestId('pin-input').press('Enter');
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'PIN_INVALID', { timeout: 30_000 });
  await page.getByTestId('pin-input').fill('739146');
  await page.getByTestId('pin-input').press('Enter');
  await expect(page.getByRole('navigation')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('recent')).toContainText('Pin Unlock Ltd');
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
});

test('another keyring backend: the lock screen says so and offers the PIN and the recovery code', async ({
  page,
  host,
}) => {
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Moved Desktop GmbH');
  await go(page, 'settings');
  await page.getByTestId('pin-new').fill('moving day');
  await page.getByTestId('pin-repeat').fill('moving day');
  await page.getByTestId('pin-save').click();
  await expect(page.getByTestId('unlockers').getByTestId('unlocker-pin')).toBeVisible({ timeout: 30_000 });
  const status = await page.evaluate(() => window.crm.invoke('vault.status'));
  if (!status.ok || !status.value.vaultId) throw new Error('no vault id');
  await page.getByTestId('lock').click();
  await expect(page.getByTestId('unlock')).toBeVisible();

  // The vault was last opened under KDE Wallet; GNOME's keyring answers now and has no entry.
  const keytar = (await import('keytar')).default;
  expect(await keytar.deletePassword('com.fieldvault.desktop', status.value.vaultId)).toBe(true);
  writeFileSync(
    path.join(host.dataDir, 'vault', 'keychain-backend.json'),
    JSON.stringify({ backend: 'secret-service:kwallet' }),
  );
  await page.reload();
  await expect(page.getByTestId('keychain-backend-changed')).toBeVisible();
  await expect(page.getByTestId('recovery-input')).toBeVisible();
  await shot(page, 'unlock-backend-changed-en-light');
  await page.getByTestId('pin-input').fill('moving day');
  await page.getByTestId('pin-input').press('Enter');
  await expect(page.getByRole('navigation')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('recent')).toContainText('Moved Desktop GmbH');
});
