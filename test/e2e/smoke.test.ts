import { expect, screenshotPath, test } from './support/devhost';

test('the renderer reaches main through the real IPC chain', async ({ page, host }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(host.pageUrl);
  await expect(page.getByTestId('app-info')).toContainText('FieldVault');
  await expect(page.getByTestId('app-info')).toContainText('linux');
  await page.screenshot({ path: screenshotPath('smoke-app-info'), fullPage: true });
  expect(errors).toEqual([]);
});

test('window.crm rejects unknown channels and bad payloads with typed errors', async ({ page, host }) => {
  await page.goto(host.pageUrl);
  const results = await page.evaluate(async () => {
    const crm = window.crm as unknown as { invoke(c: string, i?: unknown): Promise<unknown> };
    return [await crm.invoke('nope.nothing'), await crm.invoke('app.info', { x: 1 })];
  });
  expect(results).toEqual([
    { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: expect.any(String) } },
    { ok: false, error: { code: 'VALIDATION', message: expect.any(String) } },
  ]);
});
