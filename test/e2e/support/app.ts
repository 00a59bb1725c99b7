import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath } from './devhost';

/** Collects page errors and console errors; tests assert it stays empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** First run through the UI: create the vault, read the recovery code, confirm one group. Returns the code. */
export async function firstRun(page: Page, pageUrl: string): Promise<string> {
  await page.goto(pageUrl);
  await page.getByTestId('create-vault').click();
  const code = page.getByTestId('recovery-code');
  await expect(code).toBeVisible({ timeout: 20_000 });
  const groups = await code.locator('li').allInnerTexts();
  await page.getByTestId('code-written').click();
  const input = page.getByTestId('confirm-group');
  const group = Number(await input.getAttribute('data-group'));
  await input.fill('WRONG');
  await page.getByTestId('confirm-code').click();
  await expect(page.getByRole('alert')).toBeVisible();
  await input.fill(groups[group - 1]?.toLowerCase() ?? '');
  await page.getByTestId('confirm-code').click();
  await expect(page.getByRole('navigation')).toBeVisible();
  return groups.join('-');
}

export type Nav =
  | 'home'
  | 'account'
  | 'contact'
  | 'deal'
  | 'board'
  | 'import'
  | 'settings'
  | 'sync'
  | 'conflicts'
  | 'dashboard';

export async function go(page: Page, target: Nav): Promise<void> {
  await page.locator(`[data-nav="${target}"]`).click();
  const screen =
    target === 'account' || target === 'contact' || target === 'deal' ? `list-${target}` : target;
  await expect(page.locator(`[data-screen="${screen}"]`)).toBeVisible();
}

/** Creates a record from its list's "new" field and waits for its page. */
export async function createRecord(
  page: Page,
  entity: 'account' | 'contact' | 'deal',
  name: string,
): Promise<void> {
  await go(page, entity);
  await page.getByTestId('new-name').fill(name);
  await page.getByTestId('new-create').click();
  await expect(page.getByTestId('record-title')).toHaveText(name);
}

/** Axe scan: no serious or critical violations. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );
}

/** The renderer's catalogues (loaded from source: the e2e project does not compile renderer files). */
export async function catalogues(): Promise<{ en: [string, string][]; zh: Map<string, string> }> {
  const dir = path.resolve('renderer/src/i18n');
  const en = (await import(pathToFileURL(path.join(dir, 'en.ts')).href)) as { en: Tree };
  const zh = (await import(pathToFileURL(path.join(dir, 'zh-CN.ts')).href)) as { zhCN: Tree };
  return { en: leaves(en.en), zh: new Map(leaves(zh.zhCN)) };
}

/**
 * On a zh-CN screen: no raw i18n key and no English catalogue text is visible. Strings that are the
 * same in both catalogues (the product name, "English" in the language menu) are allowed.
 */
export async function expectNoEnglish(page: Page, label: string): Promise<void> {
  const { en, zh } = await catalogues();
  const text = await page.locator('body').innerText();
  const found: string[] = [];
  for (const [key, value] of en) {
    if (text.includes(key) && /^[a-z]+\.[A-Za-z0-9_-]+$/.test(key)) found.push(`raw key ${key}`);
    if (zh.get(key) === value) continue;
    for (const part of value.split(/\{\{[^}]+\}\}/)) {
      const fragment = part.trim();
      const escaped = fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      // Whole words only: user text such as "Visited" must not count as the label "Visit".
      const whole = new RegExp(`(?<![A-Za-z])${escaped}(?![A-Za-z])`);
      if (fragment.length >= 4 && /[A-Za-z]{3}/.test(fragment) && whole.test(text)) {
        found.push(`${key}: "${fragment}"`);
      }
    }
  }
  expect(found, `${label} shows English or raw keys`).toEqual([]);
}

export async function setLanguage(page: Page, language: 'en' | 'zh-CN'): Promise<void> {
  await go(page, 'settings');
  await page.getByTestId('language').selectOption(language);
  await expect(page.locator('html')).toHaveAttribute('lang', language);
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate((t) => window.crm.invoke('settings.update', { theme: t }).then(() => undefined), theme);
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t;
  }, theme);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: screenshotPath(name), fullPage: false });
}

/**
 * A folder for the files one test writes (fixtures, exports), inside the test's output folder:
 * Playwright empties that folder at the start of each run, so nothing piles up in the system temp.
 */
export function scratchDir(name: string): string {
  const dir = test.info().outputPath(name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
