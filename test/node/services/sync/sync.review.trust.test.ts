import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeKeyId } from '../../../../shared/sync/envelope';
import { startSqliteServer, type SqliteTestServer } from './support/server';
import type { TestClient } from './support/client';

/**
 * Sync trust holes a hostile review found (wave 2, session 14), through the composition root against
 * the real sync server over loopback: a membership fetch that fails (a flaky network, or a server
 * that withholds the log) must not make a device skip a new member's deltas for good, and a snapshot
 * made afterwards must hold them; a snapshot whose maker was demoted or revoked must not lock new
 * devices out.
 */

let server: SqliteTestServer;
beforeAll(async () => {
  server = await startSqliteServer('fv-sync-review-');
}, 60_000);
afterAll(async () => server.close());

async function names(c: TestClient): Promise<string[]> {
  return (await c.call('contacts.list', { limit: 200 })).items.map((x) => x.name).sort();
}

async function deviceIdOf(c: TestClient): Promise<string> {
  return (await c.call('devices.list')).find((d) => d.isThisDevice)!.deviceId;
}

describe('a failed membership fetch', () => {
  it("stops the pull instead of moving the cursor past a new member's deltas", async () => {
    const a = await server.client('A');
    const { workspaceId } = await a.call('workspace.create', { serverUrl: server.url, name: 'T' });
    expect((await a.call('sync.now')).error).toBeNull();
    const c = await server.client('C');
    const { code } = await a.call('invites.create', { ttlHours: 1 });
    await c.call('invites.accept', { code });
    await c.call('contacts.create', { name: 'From C' });
    expect((await c.call('sync.now')).error).toBeNull();
    const cId = await deviceIdOf(c);
    const held = await server.storage.pullDeltas(workspaceId, 0, 10_000, 1 << 30);
    expect(held.filter((d) => d.deviceId === cId)).toHaveLength(1);

    // A pulls C's delta but the membership fetch for its unknown author is dropped.
    server.faults.dropMembershipGets = 1;
    const failed = await a.call('sync.now');
    expect(failed.error).not.toBeNull();
    expect(server.faults.dropMembershipGets).toBe(0);
    const rejected = a.vault.access
      .db()
      .prepare<[], { reason: string }>('SELECT reason FROM sync_rejected')
      .all();
    expect(rejected).toEqual([]);

    // The network is back: A applies the delta, and a snapshot made now holds it for joiners.
    expect((await a.call('sync.now')).error).toBeNull();
    expect(await names(a)).toContain('From C');
    await a.call('sync.snapshot');
    const d = await server.client('D');
    const { code: codeD } = await a.call('invites.create', { ttlHours: 1 });
    await d.call('invites.accept', { code: codeD });
    expect((await d.call('sync.now')).error).toBeNull();
    expect(await names(d)).toContain('From C');
  }, 120_000);
});

describe('a snapshot whose maker may no longer sign', () => {
  it('is replayed around while the log is whole, and replaced by the next admin cycle', async () => {
    const a = await server.client('SA');
    const { workspaceId } = await a.call('workspace.create', { serverUrl: server.url, name: 'S' });
    await a.call('contacts.create', { name: 'Alpha' });
    expect((await a.call('sync.now')).error).toBeNull();
    const join = async (name: string): Promise<TestClient> => {
      const d = await server.client(name);
      const { code } = await a.call('invites.create', { ttlHours: 1 });
      await d.call('invites.accept', { code });
      return d;
    };
    const b = await join('SB');
    expect((await b.call('sync.now')).error).toBeNull();
    const bId = await deviceIdOf(b);
    await a.call('devices.setRole', { deviceId: bId, role: 'admin' });
    await b.call('contacts.create', { name: 'Beta' });
    await b.call('sync.snapshot');
    expect((await server.storage.latestSnapshot(workspaceId))?.deviceId).toBe(bId);

    // B is demoted: its snapshot no longer verifies. A joiner replays the log instead.
    await a.call('devices.setRole', { deviceId: bId, role: 'member' });
    const d = await join('SD');
    const first = await d.call('sync.now');
    expect(first.error).toBeNull();
    expect(await names(d)).toEqual(['Alpha', 'Beta']);

    // A's next cycle replaces it; the next joiner starts from A's snapshot.
    expect((await a.call('sync.now')).error).toBeNull();
    expect((await server.storage.latestSnapshot(workspaceId))?.deviceId).toBe(await deviceIdOf(a));
    const e = await join('SE');
    expect((await e.call('sync.now')).error).toBeNull();
    expect(e.statuses.some((s) => s.progress?.phase === 'snapshot')).toBe(true);
    expect(await names(e)).toEqual(['Alpha', 'Beta']);
  }, 120_000);
});

describe('a device that leaves on its own', () => {
  it('has the workspace key rotated by an admin at its next cycle', async () => {
    // A's clock can move on: its cycle rereads the membership log once its view is a minute old.
    let later = 0;
    const a = await server.client('LA', { now: () => Date.now() + later });
    const { workspaceId } = await a.call('workspace.create', { serverUrl: server.url, name: 'L' });
    expect((await a.call('sync.now')).error).toBeNull();
    const b = await server.client('LB');
    const { code } = await a.call('invites.create', { ttlHours: 1 });
    await b.call('invites.accept', { code });
    expect((await b.call('sync.now')).error).toBeNull();
    const bId = await deviceIdOf(b);
    await b.call('devices.revoke', { deviceId: bId });
    const kinds = async () =>
      (await server.storage.membership(workspaceId, 0)).map(
        (e) => (JSON.parse(e.json) as { body: { kind: string } }).body.kind,
      );
    expect((await kinds()).at(-1)).toBe('revoke');

    later = 61_000;
    expect((await a.call('sync.now')).error).toBeNull();
    expect((await kinds()).at(-1)).toBe('rotate');
    // Once: the next cycle finds no rotation due.
    await a.call('sync.now');
    expect((await kinds()).filter((k) => k === 'rotate')).toHaveLength(1);
    // What A writes now is sealed under the new epoch, which B never received.
    const aId = await deviceIdOf(a);
    const before = (await server.storage.pullDeltas(workspaceId, 0, 10_000, 1 << 30)).length;
    await a.call('contacts.create', { name: 'After Leaving' });
    expect((await a.call('sync.now')).error).toBeNull();
    const after = (await server.storage.pullDeltas(workspaceId, 0, 10_000, 1 << 30)).slice(before);
    expect(after.filter((d) => d.deviceId === aId).map((d) => envelopeKeyId(d.envelope))).toEqual([2]);
  }, 120_000);
});
