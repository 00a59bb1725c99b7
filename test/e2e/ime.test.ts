/** Typing through an input method (zh-CN pinyin): its Enter and Escape are never the page's commands. */
import type { Locator } from '@playwright/test';
import { createRecord, firstRun, setLanguage, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

/**
 * A synthetic press, as no real input method runs under Playwright: the key event a Chinese IME sends while a pinyin candidate is being chosen: `isComposing` true,
 * keyCode 229. Enter confirms the candidate, Escape dismisses the candidate list; neither is meant
 * for the page.
 */
async function imeKey(input: Locator, key: 'Enter' | 'Escape'): Promise<void> {
  await input.evaluate((el, k) => {
    el.dispatchEvent(
      new KeyboardEvent('keydown', {
        key: k,
        code: k,
        keyCode: 229,
        isComposing: true,
        bubbles: true,
        cancelable: true,
      }),
    );
  }, key);
}

test('zh-CN record field: Enter/Escape that confirm or dismiss an IME candidate neither save nor throw the edit away', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await setLanguage(page, 'zh-CN');
  await createRecord(page, 'account', '华东机械');
  await page.locator('[data-edit="name"]').click();
  const input = page.locator('[data-input="name"]');
  await input.fill('华东机械有限公司 shang');
  // Escape closes the candidate list: the edit and its text stay.
  await imeKey(input, 'Escape');
  await expect(input).toBeVisible();
  await expect(input).toHaveValue('华东机械有限公司 shang');
  // Enter picks the candidate: nothing is saved yet.
  await imeKey(input, 'Enter');
  await expect(input).toBeVisible();
  await expect(page.getByTestId('record-title')).toHaveText('华东机械');
  expect(errors).toEqual([]);
});
