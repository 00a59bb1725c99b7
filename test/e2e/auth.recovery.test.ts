import type { Page } from '@playwright/test';
import {
  createRecord,
  expectAccessible,
  expectNoEnglish,
  go,
  setLanguage,
  setTheme,
  shot,
  watchErrors,
} from './support/app';
import { expect, RpcClient, test } from './support/auth';

/** The code on screen, as its groups joined by dashes. */
async function shownCode(page: Page): Promise<string> {
  const code = page.getByTestId('recovery-code');
  await expect(code).toBeVisible({ timeout: 20_000 });
  return (await code.locator('li').allInnerTexts()).join('-');
}

/** "I have written it down", then the asked-for group typed back. */
async function confirmShownCode(page: Page, code: string): Promise<void> {
  await page.getByTestId('code-written').click();
  const input = page.getByTestId('confirm-group');
  const group = Number(await input.getAttribute('data-group'));
  await input.fill(code.split('-')[group - 1]?.toLowerCase() ?? '');
  await page.getByTestId('confirm-code').click();
}

test('a reload during the recovery-code step resumes it: a new code after the OS check, the first one void', async ({
  page,
  auth,
}) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await page.goto(auth.pageUrl);
  await page.getByTestId('create-vault').click();
  const first = await shownCode(page);
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    expect(await outside.call('vault.onboarding')).toMatchObject({
      ok: true,
      value: { recoveryConfirmed: false },
    });

    // Reload on the code: the app does not skip the confirmation.
    await page.reload();
    await expect(page.getByTestId('onboarding-resume')).toBeVisible();
    await expect(page.getByRole('navigation')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(first.split('-')[1] ?? first);
    await shot(page, 'onboarding-resume-en-light');
    await expectAccessible(page, 'onboarding resume');

    // Refused: the typed error, no code, still resuming.
    auth.answer('AUTH_CANCELLED');
    await page.getByTestId('onboarding-new-code').click();
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'AUTH_CANCELLED');
    await expect(page.getByTestId('recovery-code')).toHaveCount(0);

    // Main locks meanwhile (screen lock): the lock screen, then the step again after unlocking.
    auth.fire('lock-screen');
    await expect(page.getByTestId('unlock')).toBeVisible({ timeout: 15_000 });
    auth.answer('ok');
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('onboarding-resume')).toBeVisible();
    // Ctrl+L locks here too (the vault is open during the step), through main.
    await page.keyboard.press('Control+L');
    await expect(page.getByTestId('unlock')).toBeVisible();
    expect(await outside.state()).toBe('locked');
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('onboarding-resume')).toBeVisible();

    await page.getByTestId('onboarding-new-code').click();
    const second = await shownCode(page);
    expect(second).not.toBe(first);

    // Reload again, this time on the confirmation form: resumed again, with yet another code.
    await page.getByTestId('code-written').click();
    await expect(page.getByTestId('confirm-group')).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('onboarding-resume')).toBeVisible();
    await page.getByTestId('onboarding-new-code').click();
    const third = await shownCode(page);
    await confirmShownCode(page, third);
    await expect(page.getByRole('navigation')).toBeVisible();
    expect(await outside.call('vault.onboarding')).toMatchObject({
      ok: true,
      value: { recoveryConfirmed: true },
    });
    expect(auth.prompts()).toEqual(['recovery-code', 'unlock', 'unlock', 'recovery-code', 'recovery-code']);

    // Confirmed: a reload goes straight to the app; a lock and unlock does not bring the step back.
    await page.reload();
    await expect(page.getByRole('navigation')).toBeVisible();
    await page.getByTestId('lock').click();
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible();

    // Only the last code opens the vault: the first two were replaced.
    await outside.call('vault.lock');
    for (const old of [first, second]) {
      // Main's throttle waits 1 s after the first wrong code.
      await page.waitForTimeout(1_100);
      expect(await outside.call('vault.recover', { recoveryCode: old })).toMatchObject({
        ok: false,
        error: { code: 'RECOVERY_CODE_INVALID' },
      });
    }
  } finally {
    outside.close();
  }
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
});

test('Settings issues a new code after the OS check; it copies and prints, the old code fails and the new one recovers on a fresh keychain', async ({
  page,
  auth,
}) => {
  test.setTimeout(150_000);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: new URL(auth.pageUrl).origin,
  });
  await page.goto(auth.pageUrl);
  await page.getByTestId('create-vault').click();
  const oldCode = await shownCode(page);
  await confirmShownCode(page, oldCode);
  await expect(page.getByRole('navigation')).toBeVisible();
  await createRecord(page, 'account', 'Renewed Code Ltd');
  await go(page, 'settings');
  await page.getByTestId('recovery-renew').click();
  await page.getByTestId('recovery-renew-yes').click();
  const newCode = await shownCode(page);
  expect(newCode).not.toBe(oldCode);
  expect(auth.prompts()).toEqual(['recovery-code']);
  await page.getByTestId('recovery-settings').scrollIntoViewIfNeeded();
  await shot(page, 'settings-recovery-code-en-light');
  await expectAccessible(page, 'settings recovery code');
  await setTheme(page, 'dark');
  await shot(page, 'settings-recovery-code-en-dark');
  await setTheme(page, 'light');

  await page.getByTestId('recovery-copy').click();
  await expect(page.getByTestId('recovery-copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newCode);

  // Print layout: the code sheet alone, none of the app (navigation, status bar, customer names).
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('recovery-print')).toBeVisible();
  await expect(page.getByTestId('recovery-print')).toContainText(newCode.split('-')[0] ?? '');
  await expect(page.locator('#root')).toBeHidden();
  await expect(page.getByRole('navigation')).toBeHidden();
  await shot(page, 'recovery-print-en');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('recovery-print')).toBeHidden();
  await expect(page.locator('#root')).toBeVisible();

  await confirmShownCode(page, newCode);
  await expect(page.getByTestId('recovery-renewed')).toBeVisible();
  await expect(page.getByTestId('recovery-print')).toHaveCount(0);

  // A fresh keychain (new OS install): the entry is gone, only a recovery code gets back in.
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    const status = await outside.call('vault.status');
    const vaultId = (status as { value: { vaultId: string } }).value.vaultId;
    await page.getByTestId('lock').click();
    // The lock screen asks main about the keychain once; delete the entry only after that answer,
    // or the screen (rightly) switches to the recovery code before the unlock button is pressed.
    await expect(page.getByTestId('keychain-state')).toHaveAttribute('data-state', 'available');
    const keytar = (await import('keytar')).default;
    expect(await keytar.deletePassword('com.fieldvault.desktop', vaultId)).toBe(true);
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'KEY_MISSING');
    await page.getByTestId('recovery-input').fill(oldCode);
    await page.getByTestId('recovery-input').press('Enter');
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'RECOVERY_CODE_INVALID');
    expect(await outside.state()).toBe('locked');
    // Main's throttle waits 1 s after a wrong code before it tries the next.
    await page.waitForTimeout(1_100);
    await page.getByTestId('recovery-input').fill(newCode.toLowerCase());
    await page.getByTestId('recovery-input').press('Enter');
    await expect(page.getByRole('navigation')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('recent')).toContainText('Renewed Code Ltd');
    expect(await outside.state()).toBe('unlocked');
    // The keychain holds the key again: the next unlock needs no code.
    await page.getByTestId('lock').click();
    await page.getByTestId('unlock').click();
    await expect(page.getByRole('navigation')).toBeVisible();
  } finally {
    outside.close();
  }
});

test('the recovery screens in Chinese: resume and the Settings panel have no English left', async ({
  page,
  auth,
}) => {
  test.setTimeout(120_000);
  await page.goto(auth.pageUrl);
  await page.getByTestId('create-vault').click();
  const code = await shownCode(page);
  await confirmShownCode(page, code);
  await setLanguage(page, 'zh-CN');
  await page.getByTestId('recovery-renew').click();
  await page.getByTestId('recovery-renew-yes').click();
  await shownCode(page);
  await page.getByTestId('recovery-settings').scrollIntoViewIfNeeded();
  await expectNoEnglish(page, 'settings recovery (zh-CN)');
  await shot(page, 'settings-recovery-code-zh-light');
  // Leaving before the confirmation: the next load resumes it, in Chinese.
  await page.reload();
  await expect(page.getByTestId('onboarding-resume')).toBeVisible();
  await expectNoEnglish(page, 'onboarding resume (zh-CN)');
  await shot(page, 'onboarding-resume-zh-light');
  await page.emulateMedia({ media: 'print' });
  await page.getByTestId('onboarding-new-code').click();
  await expect(page.getByTestId('recovery-print')).toBeVisible();
  await shot(page, 'recovery-print-zh');
});
