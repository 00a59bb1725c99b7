import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WebSocketRoute } from '@playwright/test';
import WebSocket from 'ws';
import { firstRun, go, scratchDir, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

/** One JSON-RPC call from outside the page (another client of the same dev host). */
async function rpc(url: string, method: string, params: unknown): Promise<unknown> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = await new Promise<unknown>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number };
      if (message.id === 1) resolve(message);
    });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  });
  ws.close();
  return reply;
}

test('a dropped dev host connection reconnects and the page reloads its state, without a page reload', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const open: WebSocketRoute[] = [];
  let cut = false;
  await page.routeWebSocket(/\/rpc\?token=/, (ws) => {
    // While "cut", the host is unreachable: every reconnect attempt is dropped at once.
    if (cut) {
      void ws.close({ code: 1011, reason: 'cut' });
      return;
    }
    ws.connectToServer();
    open.push(ws);
  });
  await firstRun(page, host.pageUrl);
  await go(page, 'contact');
  await page.evaluate(() => {
    document.documentElement.dataset.e2eKept = 'yes';
  });

  cut = true;
  for (const ws of open.splice(0)) await ws.close({ code: 1011, reason: 'killed by the test' });
  await expect(page.getByTestId('devhost-reconnecting')).toBeVisible({ timeout: 10_000 });
  await shot(page, 'transport-reconnecting-en-light');
  // Written by another client while this page is cut off: the event is lost to the page.
  const reply = (await rpc(host.rpcUrl, 'contacts.create', { name: 'Written While Offline' })) as {
    result?: { id: string };
  };
  expect(reply.result?.id, JSON.stringify(reply)).toBeTruthy();

  cut = false;
  await expect(page.getByTestId('devhost-reconnecting')).toBeHidden({ timeout: 20_000 });
  await expect(page.locator('[data-screen="list-contact"]')).toContainText('Written While Offline', {
    timeout: 20_000,
  });
  // Calls work again on the new connection.
  expect(await page.evaluate(() => window.crm.invoke('app.info').then((r) => r.ok))).toBe(true);
  expect(await page.evaluate(() => document.documentElement.dataset.e2eKept)).toBe('yes');
  await shot(page, 'transport-recovered-en-light');
  // The page logs the failed socket attempts while cut off; nothing else may fail.
  expect(errors.filter((e) => !/WebSocket/i.test(e))).toEqual([]);
});

test('an import preview far over 1 MiB goes through the dev host and the page stays usable', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const dir = scratchDir('e2e-big');
  const file = path.join(dir, 'big-contacts.csv');
  const filler = 'Lorem ipsum dolor sit amet, '.repeat(40);
  const rows = Array.from({ length: 3000 }, (_, i) => `Big Person ${i},big${i}@example.com,"${filler}"`);
  writeFileSync(file, ['Name,Email,Background', ...rows].join('\r\n'));
  await firstRun(page, host.pageUrl);
  await go(page, 'import');
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-rows')).toContainText(/3,?000/, { timeout: 30_000 });
  await go(page, 'home');
  expect(await page.evaluate(() => window.crm.invoke('app.info').then((r) => r.ok))).toBe(true);
  expect(errors).toEqual([]);
});
