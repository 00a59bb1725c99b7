import { expect, screenshotPath, test } from './support/devhost';

test('the renderer reaches main through the real IPC chain', async ({ page, host }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(host.pageUrl);
  // A fresh data directory starts at the first-run screen, which needs vault.status and settings.get.
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const info = await page.evaluate(() => window.crm.invoke('app.info'));
  expect(info).toEqual({
    ok: true,
    value: { name: 'FieldVault', version: expect.any(String), platform: 'linux' },
  });
  await page.screenshot({ path: screenshotPath('smoke-first-screen'), fullPage: true });
  expect(errors).toEqual([]);
});

test('window.crm rejects unknown channels and bad payloads with typed errors', async ({ page, host }) => {
  await page.goto(host.pageUrl);
  const results = await page.evaluate(async () => {
    // Any string, as a compromised page would send: the bridge's own type only admits contract names.
    const invoke = window.crm.invoke.bind(window.crm) as (
      channel: string,
      input?: unknown,
    ) => Promise<unknown>;
    return [await invoke('nope.nothing'), await invoke('app.info', { x: 1 })];
  });
  expect(results).toEqual([
    { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: expect.any(String) } },
    { ok: false, error: { code: 'VALIDATION', message: expect.any(String) } },
  ]);
});
