import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { Result } from '../../shared/errors';
import { firstRun, go, shot, watchErrors } from './support/app';
import { expect, startHost, stopHost, test, type RunningHost } from './support/devhost';
import { startSyncServer, stopSyncServer, type RunningServer } from './support/syncserver';

/** How soon after the pulling device's sync an open screen must show the change (issue 10). */
const REFRESH_MS = 2_000;

function value<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.code}`);
  return result.value;
}

/** `sync.now` through the bridge until nothing is pending (push and pull done). */
async function syncNow(page: Page): Promise<void> {
  await expect
    .poll(async () => value(await page.evaluate(() => window.crm.invoke('sync.now')), 'sync.now').pending, {
      timeout: 20_000,
    })
    .toBe(0);
}

async function createContact(page: Page, name: string): Promise<string> {
  const result = await page.evaluate((n) => window.crm.invoke('contacts.create', { name: n }), name);
  return value(result, 'contacts.create').id;
}

/** Marks the document; a reload or a new page would lose the mark. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.documentElement.dataset.e2eKept = 'yes';
  });
}

async function expectSameDocument(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.dataset.e2eKept)).toBe('yes');
}

test('open lists, record pages, Home and the board follow records written elsewhere, without reload', async ({
  page: a,
  host,
  context,
}) => {
  test.setTimeout(180_000);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-server-'));
  const dataB = mkdtempSync(path.join(tmpdir(), 'fv-e2e-b-'));
  let server: RunningServer | null = null;
  let hostB: RunningHost | null = null;
  try {
    server = await startSyncServer(serverDir);
    hostB = await startHost(dataB);
    const b = await context.newPage();
    const errorsA = watchErrors(a);

    // Two devices in one workspace (the UI of this is covered by sync.test.ts).
    await firstRun(a, host.pageUrl);
    await firstRun(b, hostB.pageUrl);
    const serverUrl = server.url;
    value(
      await a.evaluate(
        (url) => window.crm.invoke('workspace.create', { serverUrl: url, name: 'Field team' }),
        serverUrl,
      ),
      'workspace.create',
    );
    const invite = value(
      await a.evaluate(() => window.crm.invoke('invites.create', { ttlHours: 1 })),
      'invites.create',
    );
    value(
      await b.evaluate((code) => window.crm.invoke('invites.accept', { code }), invite.code),
      'invites.accept',
    );
    const existing = await createContact(b, 'Chen Wei');
    await syncNow(b);
    await syncNow(a);

    // A's contacts list is open; B creates a contact and syncs; A pulls and the list shows it in place.
    await go(a, 'contact');
    const list = a.getByTestId('list');
    await expect(list.getByRole('button', { name: 'Chen Wei' })).toBeVisible({ timeout: 10_000 });
    await markDocument(a);
    await createContact(b, 'Li Na (from B)');
    await syncNow(b);
    await syncNow(a);
    await expect(list.getByRole('button', { name: 'Li Na (from B)' })).toBeVisible({ timeout: REFRESH_MS });
    await expect(a.getByTestId('list-count')).toHaveText('2 of 2 shown');
    await expect(a.locator('[data-screen="list-contact"]')).toBeVisible();
    await expectSameDocument(a);
    await shot(a, 'records-refresh-list-en-light');

    // Another connection to A's own dev host (a second window) writes locally: no sync involved.
    const a2 = await context.newPage();
    await a2.goto(host.pageUrl);
    await expect(a2.getByRole('navigation')).toBeVisible({ timeout: 20_000 });
    await createContact(a2, 'Amir (second window)');
    await expect(list.getByRole('button', { name: 'Amir (second window)' })).toBeVisible({
      timeout: REFRESH_MS,
    });
    await a2.close();
    await expectSameDocument(a);

    // A's record page is open; B renames the contact; A pulls and the page shows the new name.
    await list.getByRole('button', { name: 'Chen Wei' }).click();
    await expect(a.getByTestId('record-title')).toHaveText('Chen Wei');
    value(
      await b.evaluate(
        (id) => window.crm.invoke('contacts.update', { id, patch: { name: 'Chen Wei (renamed on B)' } }),
        existing,
      ),
      'contacts.update',
    );
    await syncNow(b);
    await syncNow(a);
    await expect(a.getByTestId('record-title')).toHaveText('Chen Wei (renamed on B)', {
      timeout: REFRESH_MS,
    });
    await expect(a.locator('[data-field="name"]')).toHaveText('Chen Wei (renamed on B)');
    await expectSameDocument(a);
    await shot(a, 'records-refresh-record-en-light');

    // B deletes it; A's open page says the record is gone instead of showing it.
    value(
      await b.evaluate((id) => window.crm.invoke('contacts.delete', { id }), existing),
      'contacts.delete',
    );
    await syncNow(b);
    await syncNow(a);
    await expect(a.getByTestId('record-gone')).toBeVisible({ timeout: REFRESH_MS });
    await expect(a.getByTestId('record-title')).toHaveCount(0);
    await expectSameDocument(a);
    await shot(a, 'records-refresh-deleted-en-light');

    // Home is open; a task due today, added on B, shows under "Today".
    await go(a, 'home');
    await expect(a.getByTestId('home-ready')).toBeVisible();
    const task = await b.evaluate(() =>
      window.crm.invoke('tasks.create', {
        title: 'Call Li Na back',
        dueAt: new Date().setHours(12, 0, 0, 0),
      }),
    );
    value(task, 'tasks.create');
    await syncNow(b);
    await syncNow(a);
    await expect(a.locator('section[aria-labelledby="h-today"]')).toContainText('Call Li Na back', {
      timeout: REFRESH_MS,
    });

    // The board is open; a deal created on B (in A's pipeline, which B has pulled) shows as a card.
    await go(a, 'board');
    await expect(a.locator('[data-stage]').first()).toBeVisible();
    const deal = await b.evaluate(async () => {
      const pipelines = await window.crm.invoke('pipelines.list', {
        limit: 50,
        sort: { field: 'createdAt', dir: 'asc' },
      });
      if (!pipelines.ok) return pipelines;
      const [pipeline] = pipelines.value.items;
      const stage = pipeline?.stages[0];
      if (!pipeline || !stage) throw new Error('B has not pulled a pipeline');
      return window.crm.invoke('deals.create', {
        name: 'Harbour crane',
        pipelineId: pipeline.id,
        stageId: stage.id,
      });
    });
    value(deal, 'deals.create');
    await syncNow(b);
    await syncNow(a);
    await expect(a.getByRole('group', { name: 'Harbour crane' })).toBeVisible({ timeout: REFRESH_MS });
    await expectSameDocument(a);
    await shot(a, 'records-refresh-board-en-light');

    expect(errorsA.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  } finally {
    if (hostB) await stopHost(hostB);
    if (server) await stopSyncServer(server);
    rmSync(dataB, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
});
