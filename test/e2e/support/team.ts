import type { Page } from '@playwright/test';
import { firstRun, go } from './app';
import { expect } from './devhost';

/** Runs a sync from the sync screen and waits until it is done (the button is enabled again). */
export async function syncNow(page: Page): Promise<void> {
  await go(page, 'sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toBeEnabled({ timeout: 20_000 });
}

/**
 * Device A creates a team workspace on `serverUrl` through the sync screen and invites device B,
 * which joins with the code: both vaults are created first, each device named as given.
 */
export async function formTeam(
  a: { page: Page; pageUrl: string; name: string },
  b: { page: Page; pageUrl: string; name: string },
  serverUrl: string,
): Promise<void> {
  await firstRun(a.page, a.pageUrl);
  await go(a.page, 'sync');
  await a.page.getByTestId('sync-device-name').fill(a.name);
  await a.page.getByTestId('sync-server-url').fill(serverUrl);
  await a.page.getByTestId('sync-workspace-name').fill('Field team');
  await a.page.getByTestId('sync-create').click();
  await expect(a.page.getByTestId('sync-now')).toBeVisible({ timeout: 20_000 });
  await a.page.getByTestId('sync-invite').click();
  const code = await a.page.getByTestId('sync-invite-code').inputValue();
  await a.page.getByRole('button', { name: 'Done' }).click();
  await firstRun(b.page, b.pageUrl);
  await go(b.page, 'sync');
  await b.page.getByTestId('sync-device-name').fill(b.name);
  await b.page.getByTestId('sync-invite-code-input').fill(code);
  await b.page.getByTestId('sync-join').click();
  await expect(b.page.getByTestId('sync-now')).toBeVisible({ timeout: 30_000 });
  await expect(b.page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
}
