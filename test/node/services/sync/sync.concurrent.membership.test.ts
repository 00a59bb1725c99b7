import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqliteServer, type SqliteTestServer } from './support/server';
import type { TestClient } from './support/client';

/**
 * The membership log takes one entry per sequence number, so members who join, and admins who
 * invite, at the same moment all sign on the same head. Through the composition root against the
 * real sync server over loopback: each of them must get in (signing again on the newer head), not
 * be told the invite is invalid.
 */

let server: SqliteTestServer;
beforeAll(async () => {
  server = await startSqliteServer('fv-sync-concurrent-');
}, 60_000);
afterAll(async () => server.close());

async function memberNames(c: TestClient): Promise<string[]> {
  return (await c.call('devices.list'))
    .filter((d) => d.status === 'active')
    .map((d) => d.name)
    .sort();
}

describe('membership entries signed at the same moment', () => {
  it('five devices that join at once all join, and each of them syncs', async () => {
    const owner = await server.client('Owner');
    await owner.call('workspace.create', { serverUrl: server.url, name: 'Crowd', deviceName: 'Mei' });
    await owner.call('contacts.create', { name: 'Shared contact' });
    expect((await owner.call('sync.now')).error).toBeNull();
    const names = ['Li', 'Anna', 'Sam', 'Ravi', 'Jo'];
    const codes: string[] = [];
    for (const _ of names) codes.push((await owner.call('invites.create', { ttlHours: 1 })).code);
    const devices = await Promise.all(names.map((name) => server.client(name)));

    await Promise.all(
      devices.map((d, n) => d.call('invites.accept', { code: codes[n]!, deviceName: names[n]! })),
    );

    expect((await owner.call('sync.now')).error).toBeNull();
    expect(await memberNames(owner)).toEqual(['Anna', 'Jo', 'Li', 'Mei', 'Ravi', 'Sam']);
    for (const d of devices) {
      expect((await d.call('sync.now')).error).toBeNull();
      expect((await d.call('contacts.list', { limit: 10 })).items.map((c) => c.name)).toEqual([
        'Shared contact',
      ]);
    }
  }, 120_000);

  it('an owner and an admin who invite at the same moment both get working codes', async () => {
    const owner = await server.client('Owner2');
    await owner.call('workspace.create', { serverUrl: server.url, name: 'Two admins', deviceName: 'Mei' });
    const admin = await server.client('Admin2');
    await admin.call('invites.accept', {
      code: (await owner.call('invites.create', { ttlHours: 1, role: 'admin' })).code,
      deviceName: 'Ada',
    });
    expect((await admin.call('sync.now')).error).toBeNull();

    const invites = await Promise.all(
      [owner, admin, owner, admin].map((c) => c.call('invites.create', { ttlHours: 1 })),
    );

    const joiners = await Promise.all(invites.map((_, n) => server.client(`Joiner2-${n}`)));
    for (const [n, d] of joiners.entries())
      await d.call('invites.accept', { code: invites[n]!.code, deviceName: `J${n}` });
    expect((await owner.call('sync.now')).error).toBeNull();
    expect(await memberNames(owner)).toEqual(['Ada', 'J0', 'J1', 'J2', 'J3', 'Mei']);
  }, 120_000);
});
