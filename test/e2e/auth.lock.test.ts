import type { CDPSession, Page } from '@playwright/test';
import { createRecord, go, firstRun, shot, watchErrors } from './support/app';
import { expect, RpcClient, test, type AuthHost } from './support/auth';

/** Freezes the page's JavaScript (a hung or hostile renderer): nothing of it runs until `thaw`. */
async function freeze(page: Page): Promise<{ thaw: () => Promise<void>; html: () => Promise<string> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Debugger.enable');
  const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()));
  await cdp.send('Debugger.pause');
  // Pausing takes effect at the next script the page runs: poke it from the DevTools side.
  void cdp.send('Runtime.evaluate', { expression: '0' }).catch(() => undefined);
  await paused;
  return {
    // The DOM as the frozen page has it (DevTools reads it while scripts are paused).
    html: async () => {
      const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
      const { outerHTML } = await cdp.send('DOM.getOuterHTML', { nodeId: root.nodeId });
      return outerHTML;
    },
    thaw: async () => {
      await cdp.send('Debugger.resume');
      await cdp.send('Debugger.disable');
      await cdp.detach();
    },
  };
}

async function untilLocked(outside: RpcClient): Promise<void> {
  await expect.poll(() => outside.state(), { timeout: 15_000 }).toBe('locked');
  expect(await outside.call('contacts.list', {})).toMatchObject({
    ok: false,
    error: { code: 'VAULT_LOCKED' },
  });
}

async function unlock(page: Page, auth: AuthHost): Promise<void> {
  auth.idle(0);
  await page.getByTestId('unlock').click();
  await expect(page.getByRole('navigation')).toBeVisible();
}

/** The lock screen, with no customer text anywhere in the document. */
async function expectLockScreenWithout(page: Page, text: string): Promise<void> {
  await expect(page.getByTestId('unlock')).toBeVisible();
  expect(await page.content()).not.toContain(text);
}

test('main locks on system idle, screen lock and suspend while the renderer is frozen; the page then drops everything', async ({
  page,
  auth,
}) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await firstRun(page, auth.pageUrl);
  await go(page, 'settings');
  await page.getByTestId('lock-timeout').selectOption('1');
  await createRecord(page, 'account', 'Frozen Screen GmbH');
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    expect(await outside.state()).toBe('unlocked');

    // System idle past the timeout (main's own reading; the renderer's timer cannot run).
    let frozen = await freeze(page);
    auth.idle(61);
    await untilLocked(outside);
    // The page really was frozen: it still shows what it showed, main did not wait for it.
    expect(await frozen.html()).toContain('Frozen Screen GmbH');
    await frozen.thaw();
    await expectLockScreenWithout(page, 'Frozen Screen GmbH');
    await shot(page, 'locked-by-main-en-light');

    // Idle below the timeout does not lock.
    await unlock(page, auth);
    auth.idle(30);
    await page.waitForTimeout(500);
    expect(await outside.state()).toBe('unlocked');

    for (const event of ['lock-screen', 'suspend'] as const) {
      await go(page, 'account');
      await expect(page.getByTestId('list')).toContainText('Frozen Screen GmbH');
      frozen = await freeze(page);
      auth.fire(event);
      await untilLocked(outside);
      expect(await frozen.html()).toContain('Frozen Screen GmbH');
      await frozen.thaw();
      await expectLockScreenWithout(page, 'Frozen Screen GmbH');
      await unlock(page, auth);
    }
    // Every unlock asked the OS; nothing else did.
    expect(auth.prompts()).toEqual(['unlock', 'unlock', 'unlock']);
  } finally {
    outside.close();
  }
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
});

test('Ctrl+L locks through main: another client sees the vault locked and the page forgets the data', async ({
  page,
  auth,
}) => {
  await firstRun(page, auth.pageUrl);
  await createRecord(page, 'contact', 'Shortcut Person');
  const outside = await RpcClient.open(auth.rpcUrl);
  try {
    expect(await outside.state()).toBe('unlocked');
    await page.keyboard.press('Control+L');
    await untilLocked(outside);
    await expectLockScreenWithout(page, 'Shortcut Person');
  } finally {
    outside.close();
  }
});
