import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { firstRun, go, scratchDir, shot, watchErrors } from './support/app';
import { expect, startHost, stopHost, test } from './support/devhost';
import { startSyncServer, stopSyncServer } from './support/syncserver';

async function contacts(page: Page) {
  return page.evaluate(async () => {
    const list = await window.crm.invoke('contacts.list', { limit: 200 });
    const accounts = await window.crm.invoke('accounts.list', { limit: 200 });
    if (!list.ok || !accounts.ok) throw new Error('list failed');
    return list.value.items
      .map((c) => ({
        name: c.name,
        title: c.title,
        emails: c.emails,
        phones: c.phones,
        tags: c.tags,
        notes: c.notes,
        address: c.address,
        company: accounts.value.items.find((a) => a.id === c.accountId)?.name ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
}

test('the contacts list exported from one vault and imported into another gives the same contacts', async ({
  page,
  host,
  context,
}) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await page.evaluate(async () => {
    const acme = await window.crm.invoke('accounts.create', { name: 'Acme GmbH' });
    if (!acme.ok) throw new Error(acme.error.code);
    for (const c of [
      {
        name: 'José Müller',
        title: 'Einkauf',
        emails: ['jose@acme.example', 'jm@home.example'],
        phones: ['+49 30 1234567', '+1 (555) 010-0199'],
        accountId: acme.value.id,
        tags: ['vip'],
        notes: '=HYPERLINK("x") stays text\nline 2',
        address: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      },
      { name: '张伟', emails: ['zw@example.cn'], phones: ['+86 138 0013 8000'], accountId: acme.value.id },
      { name: 'Plain Person' },
    ]) {
      const r = await window.crm.invoke('contacts.create', c);
      if (!r.ok) throw new Error(r.error.code);
    }
  });
  const before = await contacts(page);
  await go(page, 'contact');
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const download = await downloading;
  const dir = scratchDir('export');
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);

  const dataB = mkdtempSync(path.join(tmpdir(), 'fv-e2e-b-'));
  const hostB = await startHost(dataB);
  try {
    const b = await context.newPage();
    const errorsB = watchErrors(b);
    await firstRun(b, hostB.pageUrl);
    await go(b, 'import');
    await b.getByTestId('import-file').setInputFiles(file);
    await expect(b.getByTestId('import-rows')).toContainText('3');
    // Every exported column maps back; only the Created/Updated stamps are left out.
    await expect(b.getByTestId('import-map-0')).toHaveValue('name');
    await shot(b, 'import-roundtrip-mapping-en-light');
    await b.getByTestId('import-run').click();
    await expect(b.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
    expect(await contacts(b)).toEqual(before);
    expect(errorsB).toEqual([]);
  } finally {
    await stopHost(hostB);
    rmSync(dataB, { recursive: true, force: true });
  }
  expect(errors).toEqual([]);
});

test('in a workspace an owned contact is exported by its owner’s name and imported back to that member', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-server-'));
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-owned-'));
  const server = await startSyncServer(serverDir);
  try {
    await firstRun(page, host.pageUrl);
    await go(page, 'sync');
    await page.getByTestId('sync-server-url').fill(server.url);
    await page.getByTestId('sync-workspace-name').fill('Field team');
    await page.getByTestId('sync-create').click();
    await expect(page.getByTestId('sync-now')).toBeVisible({ timeout: 20_000 });
    const { selfId, contactId } = await page.evaluate(async () => {
      const me = await window.crm.invoke('members.list', {});
      if (!me.ok) throw new Error(me.error.code);
      const named = await window.crm.invoke('members.update', {
        memberId: me.value.selfId,
        displayName: 'Ana Silva',
      });
      if (!named.ok) throw new Error(named.error.code);
      const c = await window.crm.invoke('contacts.create', {
        name: 'Owned Person',
        emails: ['owned@example.com'],
        ownerId: me.value.selfId,
      });
      if (!c.ok) throw new Error(c.error.code);
      return { selfId: me.value.selfId, contactId: c.value.id };
    });
    await go(page, 'contact');
    const downloading = page.waitForEvent('download');
    await page.getByTestId('export').click();
    const file = path.join(dir, (await downloading).suggestedFilename());
    await (await downloading).saveAs(file);
    // The owner by name, never the member id.
    const csv = readFileSync(file, 'utf8');
    expect(csv).toContain('"Ana Silva"');
    expect(csv).not.toContain(selfId);

    // Re-importing the export (the contact deleted meanwhile) recreates it owned by the same member.
    await page.evaluate(async (id) => {
      const r = await window.crm.invoke('contacts.delete', { id });
      if (!r.ok) throw new Error(r.error.code);
    }, contactId);
    await go(page, 'import');
    await page.getByTestId('import-file').setInputFiles(file);
    await expect(page.getByTestId('import-rows')).toContainText('1');
    await page.getByTestId('import-run').click();
    await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
    const owners = await page.evaluate(async () => {
      const list = await window.crm.invoke('contacts.list', { limit: 200 });
      if (!list.ok) throw new Error(list.error.code);
      return list.value.items.map((c) => ({ name: c.name, ownerId: c.ownerId }));
    });
    expect(owners).toEqual([{ name: 'Owned Person', ownerId: selfId }]);
    expect(errors).toEqual([]);
  } finally {
    await stopSyncServer(server);
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
