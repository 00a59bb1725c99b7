import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmState, type TestClient } from '../sync/support/client';
import { startSqliteServer, type SqliteTestServer } from '../sync/support/server';

/*
 * An import written by the database worker reaches the other devices exactly like local edits: its
 * pending ops are pushed by the outbox and applied by the other device's writer, giving the same rows.
 */
describe('an import on the database worker, synced', () => {
  let server: SqliteTestServer;
  const client = (name: string): Promise<TestClient> => server.client(name);

  beforeAll(async () => {
    server = await startSqliteServer('fv-worker-sync-');
  }, 60_000);

  afterAll(() => server.close(), 60_000);

  it('pushes every imported op and the other device ends with the same records', async () => {
    const a = await client('a');
    const b = await client('b');
    await a.call('workspace.create', { serverUrl: server.url, name: 'Team' });
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
