import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  catalogues,
  createRecord,
  expectNoEnglish,
  firstRun,
  go,
  setLanguage,
  shot,
  watchErrors,
} from './support/app';
import { expect, RpcClient, test, type Answer } from './support/auth';

type Refusal = 'AUTH_DENIED' | 'AUTH_CANCELLED' | 'AUTH_UNAVAILABLE';

async function english(key: string): Promise<string> {
  const { en } = await catalogues();
  const found = en.find(([k]) => k === key);
  if (!found) throw new Error(`no catalogue key ${key}`);
  return found[1];
}

test('a refused OS check leaves the vault locked with the typed error shown, and nothing opened', async ({
  page,
  auth,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, auth.pageUrl);
  await createRecord(page, 'contact', 'Hidden Behind Auth');
  // Setting up asks nothing of the OS: there is nothing to protect yet.
  expect(auth.prompts()).toEqual([]);
  await page.getByTestId('lock').click();
  await expect(page.getByTestId('unlock')).toBeVisible();
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    const cases: [Answer | 'missing', Refusal][] = [
      ['AUTH_DENIED', 'AUTH_DENIED'],
      ['AUTH_CANCELLED', 'AUTH_CANCELLED'],
      ['AUTH_UNAVAILABLE', 'AUTH_UNAVAILABLE'],
      // No control file at all: never "ok".
      ['missing', 'AUTH_UNAVAILABLE'],
    ];
    for (const [answer, code] of cases) {
      const before = auth.prompts().length;
      auth.answer(answer);
      await page.getByTestId('unlock').click();
      const shown = page.getByTestId('error');
      await expect(shown).toHaveAttribute('data-code', code);
      // The person reads what happened in words, never the raw code.
      await expect(shown).toContainText(await english(`errors.${code}`));
      await expect(shown).not.toContainText(code);
      expect(auth.prompts().slice(before)).toEqual(['unlock']);
      // Another client of the same main sees a locked vault whose data cannot be read.
      expect(await outside.state()).toBe('locked');
      expect(await outside.call('contacts.list', {})).toMatchObject({
        ok: false,
        error: { code: 'VAULT_LOCKED' },
      });
      await expect(page.locator('body')).not.toContainText('Hidden Behind Auth');
      await expect(page.getByTestId('unlock')).toBeEnabled();
      if (code === 'AUTH_DENIED' && answer === 'AUTH_DENIED') await shot(page, 'auth-denied-en-light');
    }
    // A second client cannot unlock around the refusal either: it is the same check in main.
    auth.answer('AUTH_DENIED');
    expect(await outside.call('vault.unlock')).toMatchObject({ ok: false, error: { code: 'AUTH_DENIED' } });
    expect(await outside.state()).toBe('locked');

    auth.answer('ok');
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible();
    await go(page, 'contact');
    await expect(page.getByTestId('list')).toContainText('Hidden Behind Auth');
    expect(await outside.state()).toBe('unlocked');

    // The same refusal in Chinese: the message is translated, the screen has no English left.
    await setLanguage(page, 'zh-CN');
    await page.getByTestId('lock').click();
    auth.answer('AUTH_CANCELLED');
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'AUTH_CANCELLED');
    await expectNoEnglish(page, 'auth cancelled (zh-CN)');
    await shot(page, 'auth-cancelled-zh-light');
  } finally {
    outside.close();
  }
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
});

test('every sensitive action asks the OS again, each time, and a refusal leaves nothing done', async ({
  page,
  auth,
}) => {
  test.setTimeout(180_000);
  await firstRun(page, auth.pageUrl);
  await createRecord(page, 'contact', 'Before Backup Person');
  await go(page, 'settings');
  await page.getByTestId('backup-now').click();
  await expect(page.getByTestId('backup-list').locator('tbody tr')).toHaveCount(1);
  await createRecord(page, 'contact', 'After Backup Person');
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    const list = await outside.call('contacts.list', {});
    const items = list.ok ? (list.value as { items: { id: string; name: string }[] }).items : [];
    const contactId = items.find((c) => c.name === 'After Backup Person')?.id;
    if (!contactId) throw new Error('the contact is not listed');
    const status = await outside.call('vault.status');
    const vaultId = (status as { value: { vaultId: string } }).value.vaultId;
    const keytar = (await import('keytar')).default;
    const keychainBefore = await keytar.getPassword('com.fieldvault.desktop', vaultId);
    const recoveryFile = path.join(auth.dataDir, 'vault', 'recovery.json');
    const wrapBefore = readFileSync(recoveryFile, 'utf8');
    const baseline = auth.prompts().length;

    auth.answer('AUTH_DENIED');
    // In the UI: CSV export from the list, restoring a backup, a new recovery code.
    await go(page, 'contact');
    let downloaded = false;
    page.on('download', () => (downloaded = true));
    await page.getByTestId('export').click();
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'AUTH_DENIED');
    await go(page, 'settings');
    await page.getByTestId('backup-list').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Yes, restore' }).click();
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'AUTH_DENIED');
    await page.getByTestId('recovery-renew').click();
    await page.getByTestId('recovery-renew-yes').click();
    await expect(page.getByTestId('recovery-settings').getByTestId('error')).toHaveAttribute(
      'data-code',
      'AUTH_DENIED',
    );
    await expect(page.getByTestId('recovery-code')).toHaveCount(0);
    await shot(page, 'settings-sensitive-denied-en-light');

    // Through the contract (no button for these, or one that needs a sync server): same check.
    const api: [string, unknown][] = [
      ['export.csv', { entity: 'contact' }],
      ['export.vcard', {}],
      ['privacy.exportPerson', { contactId }],
      ['privacy.erasePerson', { contactId }],
      ['vault.rekey', undefined],
      ['vault.renewRecoveryCode', undefined],
      ['vault.restore', { backupId: 'nonexistent' }],
      ['devices.revoke', { deviceId: 'a'.repeat(32) }],
    ];
    for (const [channel, input] of api) {
      expect(await outside.call(channel, input), channel).toMatchObject({
        ok: false,
        error: { code: 'AUTH_DENIED' },
      });
    }
    expect(auth.prompts().slice(baseline)).toEqual([
      'export',
      'restore',
      'recovery-code',
      'export',
      'export',
      'export',
      'erase',
      'rekey',
      'recovery-code',
      'restore',
      'revoke-device',
    ]);
    // Nothing was done: no file, the person is still there, both records (no restore), the same key
    // in the keychain (no rekey) and the same recovery wrap (no new code).
    expect(downloaded).toBe(false);
    expect(await outside.state()).toBe('unlocked');
    const after = JSON.stringify(await outside.call('contacts.list', {}));
    expect(after).toContain('After Backup Person');
    expect(after).toContain('Before Backup Person');
    expect(await keytar.getPassword('com.fieldvault.desktop', vaultId)).toBe(keychainBefore);
    expect(readFileSync(recoveryFile, 'utf8')).toBe(wrapBefore);

    // Allowed, each action asks again (no grace period): two exports are two prompts.
    auth.answer('ok');
    const okFrom = auth.prompts().length;
    expect(await outside.call('export.csv', { entity: 'contact' })).toMatchObject({ ok: true });
    expect(await outside.call('export.csv', { entity: 'contact' })).toMatchObject({ ok: true });
    expect(await outside.call('vault.rekey')).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    expect(await keytar.getPassword('com.fieldvault.desktop', vaultId)).not.toBe(keychainBefore);
    expect(await outside.call('privacy.erasePerson', { contactId })).toMatchObject({ ok: true });
    expect(auth.prompts().slice(okFrom)).toEqual(['export', 'export', 'rekey', 'erase']);
    expect(JSON.stringify(await outside.call('contacts.list', {}))).not.toContain('After Backup Person');
  } finally {
    outside.close();
  }
});
