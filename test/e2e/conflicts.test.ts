import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { watchErrors } from './support/app';
import { expect, startHost, stopHost, test, type RunningHost } from './support/devhost';
import { startSyncServer, stopSyncServer, type RunningServer } from './support/syncserver';
import { formTeam, syncNow } from './support/team';

const status = (page: Page) => page.getByTestId('sync-state');

/**
 * A conflict on a US-dollar quota: both sides in dollars, the record named by its member and month
 * with a way to it, and resolving by keyboard moves focus on instead of dropping it.
 */
test('a quota conflict is shown in its currency, named by member and month, and resolved by keyboard', async ({
  page,
  host,
  context,
}) => {
  test.setTimeout(300_000);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-server-'));
  const dataB = mkdtempSync(path.join(tmpdir(), 'fv-e2e-b-'));
  let server: RunningServer | null = await startSyncServer(serverDir);
  let hostB: RunningHost | null = null;
  try {
    hostB = await startHost(dataB);
    const a = page;
    const b = await context.newPage();
    const errors = [watchErrors(a), watchErrors(b)];
    await formTeam(
      { page: a, pageUrl: host.pageUrl, name: 'Mei' },
      { page: b, pageUrl: hostB.pageUrl, name: 'Li' },
      server.url,
    );

    // A US-dollar quota for A's member.
    const quotaId = await a.evaluate(async () => {
      const me = await window.crm.invoke('members.list', {});
      if (!me.ok) throw new Error(me.error.code);
      const q = await window.crm.invoke('quotas.create', {
        memberId: me.value.selfId,
        month: '2025-06',
        amountMinor: 500_000,
        currency: 'USD',
      });
      if (!q.ok) throw new Error(q.error.code);
      return q.value.id;
    });
    await syncNow(a);
    await syncNow(b);
    await expect
      .poll(() => b.evaluate(async (id) => (await window.crm.invoke('quotas.get', { id })).ok, quotaId), {
        timeout: 20_000,
      })
      .toBe(true);

    const port = server.port;
    await stopSyncServer(server);
    server = null;
    await expect(status(a)).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });
    await expect(status(b)).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });
    for (const [p, amount] of [
      [a, 600_000],
      [b, 700_000],
    ] as const)
      await p.evaluate(
        async ({ id, amount }) => {
          const r = await window.crm.invoke('quotas.update', { id, patch: { amountMinor: amount } });
          if (!r.ok) throw new Error(r.error.code);
        },
        { id: quotaId, amount },
      );
    server = await startSyncServer(serverDir, port);
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);
    const badges = async () =>
      (await a.getByTestId('nav-badge-conflicts').count()) +
      (await b.getByTestId('nav-badge-conflicts').count());
    await expect.poll(badges, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const holder = (await b.getByTestId('nav-badge-conflicts').count()) === 1 ? b : a;
    await holder.getByTestId('status-conflicts').click();
    const conflict = holder.getByTestId('conflict');
    await expect(conflict).toHaveCount(1);
    await expect(conflict.getByTestId('conflict-current')).toContainText('$');
    await expect(conflict).toContainText('$6,000.00');
    await expect(conflict).toContainText('$7,000.00');
    await expect(conflict).not.toContainText('€');
    const heading = conflict.locator('h2');
    await expect(heading).toContainText('2025-06');
    await expect(heading).not.toContainText(quotaId);
    await expect(conflict.getByTestId('conflict-record')).toBeVisible();

    // Resolve by keyboard: focus moves to the message that says it is resolved.
    await conflict.getByTestId('conflict-keep-current').focus();
    await holder.keyboard.press('Enter');
    await expect(holder.getByTestId('conflicts-empty')).toBeVisible();
    await expect(holder.getByTestId('conflicts-resolved')).toBeFocused();
    expect(errors.flat().filter((e) => !/WebSocket|Failed to load resource|ERR_CONNECTION/i.test(e))).toEqual(
      [],
    );
  } finally {
    if (hostB) await stopHost(hostB);
    if (server) await stopSyncServer(server);
    rmSync(dataB, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
});
