import type { Page } from '@playwright/test';
import {
  createRecord,
  expectAccessible,
  expectNoEnglish,
  firstRun,
  go,
  setLanguage,
  setTheme,
  shot,
  watchErrors,
} from './support/app';
import { expect, test } from './support/devhost';

type Screen = { name: string; open: (page: Page) => Promise<void> };

const screens: Screen[] = [
  { name: 'home', open: (page) => go(page, 'home') },
  { name: 'accounts', open: (page) => go(page, 'account') },
  { name: 'contacts', open: (page) => go(page, 'contact') },
  { name: 'deals', open: (page) => go(page, 'deal') },
  {
    name: 'deal-record',
    open: async (page) => {
      await go(page, 'deal');
      await page.getByRole('button', { name: 'Acme pilot' }).click();
      await expect(page.getByTestId('timeline')).toBeVisible();
    },
  },
  {
    name: 'account-record',
    open: async (page) => {
      await go(page, 'account');
      await page.getByRole('button', { name: 'Acme GmbH' }).click();
      await expect(page.getByTestId('record-title')).toHaveText('Acme GmbH');
    },
  },
  {
    name: 'contact-record',
    open: async (page) => {
      await go(page, 'contact');
      await page.getByRole('button', { name: '王芳' }).click();
      await expect(page.getByTestId('record-title')).toHaveText('王芳');
    },
  },
  { name: 'board', open: (page) => go(page, 'board') },
  { name: 'import', open: (page) => go(page, 'import') },
  { name: 'settings', open: (page) => go(page, 'settings') },
  {
    name: 'palette',
    open: async (page) => {
      await go(page, 'home');
      await page.keyboard.press('Control+k');
      await expect(page.getByTestId('palette')).toBeVisible();
    },
  },
  {
    name: 'quicklog',
    open: async (page) => {
      await go(page, 'home');
      await page.keyboard.press('Alt+l');
      await expect(page.getByTestId('quicklog')).toBeVisible();
    },
  },
];

async function closeOverlays(page: Page) {
  await page.keyboard.press('Escape');
}

test('every screen in both languages and both themes: no English on zh-CN, no serious axe violations, screenshots', async ({
  page,
  host,
}) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await createRecord(page, 'account', 'Acme GmbH');
  await createRecord(page, 'contact', '王芳');
  await createRecord(page, 'deal', 'Acme pilot');
  await page
    .getByRole('button', { name: /Log activity|记录活动/ })
    .first()
    .isVisible();
  await page.getByTestId('activity-body').fill('Visited the plant. 参观了工厂。');
  await page.getByTestId('activity-save').click();
  await expect(page.getByTestId('timeline')).toContainText('Visited the plant');

  for (const language of ['en', 'zh-CN'] as const) {
    await setLanguage(page, language);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      for (const screen of screens) {
        await screen.open(page);
        await shot(page, `${screen.name}-${language}-${theme}`);
        if (language === 'zh-CN') await expectNoEnglish(page, `${screen.name} (${theme})`);
        if (theme === 'light' || screen.name === 'home' || screen.name === 'settings') {
          await expectAccessible(page, `${screen.name} ${language} ${theme}`);
        }
        if (screen.name === 'palette' || screen.name === 'quicklog') await closeOverlays(page);
      }
      // The lock screen, then back in.
      await page.keyboard.press('Control+l');
      await expect(page.getByTestId('unlock')).toBeVisible();
      await shot(page, `unlock-${language}-${theme}`);
      if (language === 'zh-CN') await expectNoEnglish(page, `unlock (${theme})`);
      await expectAccessible(page, `unlock ${language} ${theme}`);
      await page.getByTestId('unlock').click();
      await expect(page.getByRole('navigation')).toBeVisible();
    }
  }
  // And back to English from Chinese, without a restart.
  await setLanguage(page, 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  expect(errors).toEqual([]);
});

test('first run in zh-CN: the language is known before the vault exists', async ({ page, host }) => {
  await page.goto(host.pageUrl);
  await page.evaluate(() =>
    window.crm.invoke('settings.update', { language: 'zh-CN' }).then(() => undefined),
  );
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await page.reload();
    await expect(page.getByTestId('create-vault')).toHaveText('创建我的保险库');
    await shot(page, `first-run-zh-CN-${theme}`);
    await expectNoEnglish(page, `first run (${theme})`);
    await expectAccessible(page, `first run ${theme}`);
  }
  await page.getByTestId('create-vault').click();
  await expect(page.getByTestId('recovery-code')).toBeVisible();
  await shot(page, 'recovery-code-zh-CN-dark');
  await expectNoEnglish(page, 'recovery code');
  await expectAccessible(page, 'recovery code');
});
