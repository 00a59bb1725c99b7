import { firstRun, go, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

test('a sync server address main refuses is marked at the field with what an address must be', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'sync');
  const field = page.getByTestId('sync-server-url');
  for (const url of [
    'http://192.168.1.20:8443',
    'https://sync.example.com/fieldvault',
    'http://127.0.0.1:9/fv',
  ]) {
    await field.fill(url);
    await page.getByTestId('sync-workspace-name').fill('Team');
    await page.getByTestId('sync-create').click();
    await expect(page.getByTestId('sync-server-url-error')).toContainText('https://host');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Some of the entered values are not valid.')).toHaveCount(0);
    // Typing again clears it.
    await field.fill('');
    await expect(page.getByTestId('sync-server-url-error')).toHaveCount(0);
    await expect(field).toHaveAttribute('aria-invalid', 'false');
  }
  expect(errors).toEqual([]);
});
