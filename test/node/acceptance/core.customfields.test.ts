import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../shared/domain/ids';
import { HostileMember } from './support/hostile.member';
import { Cluster, formWorkspace, type HostProcess } from './support/processes';

/**
 * Issue 14 item 5 acceptance, black box: a real sync server and two real dev hosts on loopback,
 * driven over JSON-RPC only. A defines custom fields and sets values; B receives the definitions
 * and values through sync and filters and searches by them; B's edit of another custom field of
 * the same record merges with A's concurrent one. A member holding the workspace key pushes
 * ill-typed custom values: both hosts quarantine them and keep syncing.
 */

const cluster = new Cluster();
let a: HostProcess;
let b: HostProcess;
const mallory = new HostileMember();
const ids = { region: '', hobby: '', score: '', contact: '' };

beforeAll(async () => {
  const server = await cluster.startServer();
  [a, b] = await Promise.all([cluster.startHost('A'), cluster.startHost('B')]);
  await formWorkspace(server.url, a, [b]);
  const { code } = await a.call('invites.create', { ttlHours: 1 });
  await mallory.join(code);
}, 90_000);

afterAll(() => cluster.stop(), 30_000);

async function syncAll(): Promise<void> {
  for (const host of [a, b, a, b]) await host.call('sync.now');
}

describe('custom fields across devices', () => {
  it('defined and set on A, B sees the fields, filters by them and finds the text', async () => {
    ids.region = (
      await a.call('customFields.create', {
        entity: 'contact',
        kind: 'select',
        label: '区域',
        options: [
          { id: 'north', label: '华北', archived: false },
          { id: 'south', label: '华南', archived: false },
        ],
      })
    ).id;
    ids.hobby = (await a.call('customFields.create', { entity: 'contact', kind: 'text', label: 'Hobby' })).id;
    ids.score = (
      await a.call('customFields.create', { entity: 'contact', kind: 'number', label: 'Score' })
    ).id;
    ids.contact = (
      await a.call('contacts.create', {
        name: '张伟',
        custom: { [ids.region]: 'south', [ids.hobby]: 'kitesurfing' },
      })
    ).id;
    await a.call('contacts.create', { name: 'Ann', custom: { [ids.region]: 'north' } });
    await syncAll();

    const defs = await b.call('customFields.list', { filter: { entity: 'contact' } });
    expect(defs.items.map((d) => d.label)).toEqual(['区域', 'Hobby', 'Score']);
    const south = await b.call('contacts.list', {
      filter: { custom: [{ op: 'anyOf', field: ids.region, values: ['south'] }] },
    });
    expect(south.items.map((c) => c.name)).toEqual(['张伟']);
    expect(south.items[0]?.custom).toEqual({ [ids.region]: 'south', [ids.hobby]: 'kitesurfing' });
    const hits = await b.call('search.query', { q: 'kitesurfing' });
    expect(hits.hits.map((h) => h.id)).toEqual([ids.contact]);
  }, 90_000);

  it('merges concurrent edits of different custom fields of one record, field by field', async () => {
    await a.call('contacts.update', { id: ids.contact, patch: { custom: { [ids.score]: 42 } } });
    await b.call('contacts.update', { id: ids.contact, patch: { custom: { [ids.hobby]: 'tea' } } });
    await syncAll();
    for (const host of [a, b]) {
      const c = await host.call('contacts.get', { id: ids.contact });
      expect(c.custom, host.name).toEqual({ [ids.region]: 'south', [ids.hobby]: 'tea', [ids.score]: 42 });
    }
    // Renaming and archiving travel too.
    await b.call('customFields.update', { id: ids.score, patch: { label: 'Punkte', archived: true } });
    await syncAll();
    const score = await a.call('customFields.get', { id: ids.score });
    expect(score).toMatchObject({ label: 'Punkte', archived: true });
  }, 90_000);

  it('quarantines ill-typed remote custom values on every receiver and keeps syncing', async () => {
    const before = new Map<string, number>();
    for (const host of [a, b]) before.set(host.name, (await host.call('sync.status')).quarantinedOps);
    const bad = [
      { [`cf:${ids.region}`]: 'west' }, // not an option
      { [`cf:${ids.hobby}`]: 12 }, // a number in a text field
      { [`cf:${ids.score}`]: 'lots' },
      { custom: { [ids.hobby]: 'whole object' } }, // the folded object is never an op
      { [`cf:${uuidv7()}`]: 'no such field' },
    ];
    for (const fields of bad) await mallory.push({ entity: 'contact', recordId: ids.contact, fields });
    const good = uuidv7();
    await mallory.push({
      entity: 'contact',
      recordId: good,
      fields: { name: 'Grace', [`cf:${ids.hobby}`]: 'chess' },
    });
    await syncAll();
    for (const host of [a, b]) {
      const status = await host.call('sync.status');
      expect(status.state, host.name).not.toBe('error');
      expect(status.quarantinedOps - before.get(host.name)!, host.name).toBe(bad.length);
      const c = await host.call('contacts.get', { id: ids.contact });
      expect(c.custom, host.name).toEqual({ [ids.region]: 'south', [ids.hobby]: 'tea', [ids.score]: 42 });
      const grace = await host.call('contacts.get', { id: good });
      expect(grace.custom, host.name).toEqual({ [ids.hobby]: 'chess' });
    }
    // Still syncing afterwards: a new local value on A reaches B.
    await a.call('contacts.update', { id: ids.contact, patch: { custom: { [ids.region]: 'north' } } });
    await syncAll();
    const north = await b.call('contacts.list', {
      filter: { custom: [{ op: 'anyOf', field: ids.region, values: ['north'] }] },
    });
    expect(north.items.map((c) => c.name).sort()).toEqual(['Ann', '张伟']);
  }, 90_000);
});
