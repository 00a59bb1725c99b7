import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqliteServer, type SqliteTestServer } from './support/server';
import type { TestClient } from './support/client';

/**
 * Erasure holes a hostile review found (wave 2), through the composition root against the real sync
 * server over loopback: an erased person must not survive in a vault's sync tables (an op held back
 * for its clock, the two sides of a conflict), nor come back with an edit another device made before
 * the erase and pushed after it (as values in the op log, or as a conflict side to pick).
 */

let server: SqliteTestServer;
beforeAll(async () => {
  server = await startSqliteServer('fv-sync-erasure-');
}, 60_000);
afterAll(async () => server.close());

/** How many values in any table of a device's vault contain the needle (case-insensitive). */
function matchesIn(c: TestClient, needle: string): number {
  const db = c.vault.access.db();
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .all();
  const lower = needle.toLowerCase();
  let n = 0;
  for (const { name } of tables) {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    for (const row of db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${quoted}`).all())
      for (const v of Object.values(row)) {
        const text = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
        if (text.toLowerCase().includes(lower)) n++;
      }
  }
  return n;
}

async function join(owner: TestClient, device: TestClient): Promise<void> {
  const { code } = await owner.call('invites.create', { ttlHours: 1 });
  await device.call('invites.accept', { code });
  expect((await device.call('sync.now')).error).toBeNull();
}

const NAME = 'Erin Erasable';
const EMAIL = 'erin.erasable@example.com';
const PHONE = '+44 7700 900461';

describe('an erased person in the sync tables', () => {
  it('leaves no held-back op, conflict side or late pre-erase edit behind on any device', async () => {
    const a = await server.client('A');
    await a.call('workspace.create', { serverUrl: server.url, name: 'T' });
    const hobby = (await a.call('customFields.create', { entity: 'contact', kind: 'text', label: 'Hobby' }))
      .id;
    const erin = await a.call('contacts.create', {
      name: NAME,
      emails: [EMAIL],
      phones: [PHONE],
      custom: { [hobby]: 'Hobby Base' },
    });
    expect((await a.call('sync.now')).error).toBeNull();
    const b = await server.client('B');
    const c = await server.client('C');
    const ahead = await server.client('Ahead', { now: () => Date.now() + 20 * 60_000 });
    for (const d of [b, c, ahead]) await join(a, d);
    const setHobby = (d: TestClient, value: string) =>
      d.call('contacts.update', { id: erin.id, patch: { custom: { [hobby]: value } } });

    // A laptop 20 minutes ahead writes about Erin: A holds the op back and keeps none of its values.
    await setHobby(ahead, 'Hobby Skewed');
    expect((await ahead.call('sync.now')).error).toBeNull();
    expect((await a.call('sync.now')).quarantinedOps).toBeGreaterThan(0);
    expect(matchesIn(a, 'Hobby Skewed')).toBe(0);

    // A and B edit the same custom field concurrently: A keeps both values for review.
    await setHobby(a, 'Hobby A');
    await setHobby(b, 'Hobby B');
    // The held-back op stays reported (CLOCK_SKEW) on every device; B's edit is delivered.
    expect((await b.call('sync.now')).pending).toBe(0);
    await a.call('sync.now');
    const before = (await a.call('conflicts.list')).filter((x) => x.recordId === erin.id);
    expect(before.length).toBeGreaterThan(0);
    expect(matchesIn(a, 'Hobby B')).toBeGreaterThan(0);

    // C edits Erin before the erase; A, which has not pulled it yet, erases, then pulls it.
    await setHobby(c, 'Hobby Late');
    expect((await c.call('sync.now')).pending).toBe(0);
    await a.call('privacy.erasePerson', { contactId: erin.id });
    expect((await a.call('conflicts.list')).filter((x) => x.recordId === erin.id)).toEqual([]);
    expect((await a.call('sync.now')).pending).toBe(0);
    for (const d of [c, b, a, c, b, a]) await d.call('sync.now');

    for (const d of [a, b, c]) {
      expect((await d.call('conflicts.list')).filter((x) => x.recordId === erin.id)).toEqual([]);
      for (const needle of [
        NAME,
        EMAIL,
        PHONE,
        'Hobby Base',
        'Hobby A',
        'Hobby B',
        'Hobby Late',
        'Hobby Skewed',
      ])
        expect({ device: d.name, needle, matches: matchesIn(d, needle) }).toEqual({
          device: d.name,
          needle,
          matches: 0,
        });
    }
    const list = await a.call('contacts.list', { limit: 50 });
    expect(list.items.map((x) => x.id)).not.toContain(erin.id);
  }, 180_000);
});

describe('a guided re-sync after a compaction', () => {
  it('starts from the committed snapshot instead of failing on the compacted log', async () => {
    const a = await server.client('RA');
    await a.call('workspace.create', { serverUrl: server.url, name: 'R' });
    await a.call('contacts.create', { name: 'Kept Contact' });
    const gone = await a.call('contacts.create', { name: 'Gone Person' });
    expect((await a.call('sync.now')).error).toBeNull();
    const b = await server.client('RB');
    await join(a, b);
    // The erasure's follow-up snapshots, compacts the server's log and rotates the key.
    await a.call('privacy.erasePerson', { contactId: gone.id });
    expect((await a.call('sync.now')).error).toBeNull();
    await b.call('contacts.create', { name: 'Offline Before Resync' });

    const after = await b.call('sync.resync');
    expect(after.error).toBeNull();
    expect(after.pending).toBe(0);
    expect(after.integrity.state).toBe('ok');
    const names = async (d: TestClient) =>
      (await d.call('contacts.list', { limit: 50 })).items.map((x) => x.name).sort();
    expect(await names(b)).toEqual(['Kept Contact', 'Offline Before Resync']);
    await a.call('sync.now');
    expect(await names(a)).toEqual(['Kept Contact', 'Offline Before Resync']);
  }, 120_000);
});
