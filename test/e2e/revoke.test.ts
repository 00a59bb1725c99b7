import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { firstRun, go, watchErrors } from './support/app';
import { expect, startHost, stopHost, test, type RunningHost } from './support/devhost';
import { startSyncServer, stopSyncServer, type RunningServer } from './support/syncserver';

/** Calls a channel through the page's bridge and returns its envelope. */
function invoke(page: Page, channel: string, input?: unknown) {
  return page.evaluate(
    ([c, i]) =>
      window.crm.invoke(c as never, i as never) as Promise<
        { ok: true; value: unknown } | { ok: false; error: { code: string } }
      >,
    [channel, input] as const,
  );
}

async function ok(page: Page, channel: string, input?: unknown): Promise<unknown> {
  const r = await invoke(page, channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}`);
  return r.value;
}

test('a removed device is told it was removed, not sent hunting for a key; the owner keeps focus', async ({
  page: a,
  host,
  context,
}) => {
  test.setTimeout(180_000);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-rv-server-'));
  const dataB = mkdtempSync(path.join(tmpdir(), 'fv-rv-b-'));
  let server: RunningServer | null = null;
  let hostB: RunningHost | null = null;
  try {
    server = await startSyncServer(serverDir);
    hostB = await startHost(dataB);
    const b = await context.newPage();
    const errorsA = watchErrors(a);
    await firstRun(a, host.pageUrl);
    await firstRun(b, hostB.pageUrl);
    await ok(a, 'workspace.create', { serverUrl: server.url, name: 'Field team' });
    const invite = (await ok(a, 'invites.create', { ttlHours: 1 })) as { code: string };
    await ok(b, 'invites.accept', { code: invite.code });
    await ok(b, 'contacts.create', { name: 'Secret Customer' });
    await ok(b, 'sync.now');

    // The owner replaces the workspace key by keyboard: focus stays on the button.
    await go(a, 'sync');
    const rotate = a.getByTestId('sync-rotate-key');
    await rotate.focus();
    await a.keyboard.press('Enter');
    await expect(a.getByTestId('sync-rotate').getByRole('status')).toBeVisible();
    await expect(rotate).toBeFocused();

    // The owner removes B by keyboard: focus lands on the devices heading, not on <body>.
    const peer = a.locator('[data-testid="sync-devices"] tbody tr:not([data-this-device])');
    await peer.getByTestId('sync-revoke').focus();
    await a.keyboard.press('Enter');
    await a.getByTestId('revoke-dialog').getByRole('button', { name: 'Yes, remove it' }).focus();
    await a.keyboard.press('Enter');
    await expect(peer).toContainText('Removed');
    await expect(a.locator('#sync-devices-title')).toBeFocused();

    // B's next sync: main erases the vault, and the screen says why.
    const status = (await ok(b, 'sync.now')) as { error: { code: string } | null };
    expect(status.error?.code).toBe('DEVICE_REVOKED');
    await expect(b.getByTestId('device-removed')).toContainText('removed this computer');
    await expect(b.getByTestId('recovery-input')).toHaveCount(0);
    await expect(b.locator('body')).not.toContainText('Secret Customer');
    await expect(b.getByTestId('create-vault')).toBeVisible();
    expect(errorsA.filter((e) => !/WebSocket|Failed to load resource/i.test(e))).toEqual([]);
  } finally {
    if (hostB) await stopHost(hostB);
    if (server) await stopSyncServer(server);
    rmSync(dataB, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
});
