import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../../server/app';
import { SqliteSyncStorage } from '../../../../server/storage/storage.sqlite';
import { realKeychain } from '../../support/vault';
import { createClient, crmState, type TestClient } from '../sync/support/client';

/*
 * An import written by the database worker reaches the other devices exactly like local edits: its
 * pending ops are pushed by the outbox and applied by the other device's writer, giving the same rows.
 */
describe('an import on the database worker, synced', () => {
  let app: FastifyInstance;
  let storage: SqliteSyncStorage;
  let dir = '';
  let url = '';
  const clients: TestClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fv-worker-sync-'));
    storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    app = await createSyncServer({ storage });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) {
      await c.dispose();
      const id = c.vaultId();
      if (id) await c.keychain.delete(id);
      rmSync(c.dataDir, { recursive: true, force: true });
    }
    await app.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function client(name: string): Promise<TestClient> {
    const c = await createClient(
      name,
      mkdtempSync(path.join(tmpdir(), `fv-worker-sync-${name}-`)),
      realKeychain(),
    );
    clients.push(c);
    return c;
  }

  it('pushes every imported op and the other device ends with the same records', async () => {
    const a = await client('a');
    const b = await client('b');
    await a.call('workspace.create', { serverUrl: url, name: 'Team' });
    const invite = await a.call('invites.create', { ttlHours: 1 });
    await b.call('invites.accept', { code: invite.code });
    const lines = ['Name,Email,Phone,Company'];
    for (let i = 0; i < 1500; i++)
      lines.push(`Person ${i},p${i}@example.com,+49 30 ${1_000_000 + i},Firm ${i % 20}`);
    const imported = await a.call('import.commit', { csv: lines.join('\n') });
    expect(imported).toMatchObject({ created: 1500, accountsCreated: 20 });
    // An edit after the import, on an imported record: it must win over the import's value.
    const first = (await a.call('search.query', { q: 'p7@example.com' })).hits[0]!;
    await a.call('contacts.update', { id: first.id, patch: { title: 'Edited after import' } });
    expect((await a.call('sync.now')).pending).toBe(0);
    await b.call('sync.now');
    expect(crmState(b.crm().db)).toEqual(crmState(a.crm().db));
    expect((await b.call('contacts.get', { id: first.id })).title).toBe('Edited after import');
    expect((await b.call('contacts.list', {})).total).toBe(1500);
  });
});
