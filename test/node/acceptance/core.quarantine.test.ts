import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../shared/domain/crm.seed';
import { uuidv7 } from '../../../shared/domain/ids';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { HostileMember, type HostileOp } from './support/hostile.member';
import { Cluster, formWorkspace, type HostProcess } from './support/processes';

/**
 * Issue 10 acceptance (a), black box: a real sync server and two real dev hosts on loopback. A
 * member that holds the workspace key pushes authenticated deltas whose ops carry wrongly typed,
 * oversized and out-of-schema values. Every receiver must quarantine them (counted once in
 * `sync.status`), apply the good delta that follows, keep lists and search working, and go on
 * syncing afterwards.
 */

/** A word that only the hostile deltas contain: if it shows up anywhere, a bad value got in. */
const TAG = `zq${randomBytes(4).toString('hex')}`;
const GOOD = `gd${randomBytes(4).toString('hex')}`;

function badOps(): HostileOp[] {
  const longName = `Mallory ${TAG} `;
  return [
    // A list field sent as a string.
    {
      entity: 'contact',
      recordId: uuidv7(),
      fields: { name: `Mallory ${TAG} emails`, emails: `mallory.${TAG}@example.com` },
    },
    // A name 25 times longer than the schema allows.
    {
      entity: 'contact',
      recordId: uuidv7(),
      fields: { name: longName + 'x'.repeat(5_000 - longName.length) },
    },
    // A record id that is not a UUID.
    {
      entity: 'contact',
      recordId: `not-a-uuid-${TAG}`,
      fields: { name: `Mallory ${TAG} badid`, emails: [`badid.${TAG}@example.com`] },
    },
    // Money as a float (amounts are integer minor units).
    {
      entity: 'deal',
      recordId: uuidv7(),
      fields: {
        name: `Mallory ${TAG} deal`,
        amountMinor: 1.5,
        currency: 'EUR',
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
      },
    },
    // A field no entity has, with a value far beyond any field's size limit.
    {
      entity: 'contact',
      recordId: uuidv7(),
      fields: { name: `Mallory ${TAG} unknown`, [`x${TAG}`]: `${TAG} ${'y'.repeat(200_000)}` },
    },
    // An entity that does not exist.
    { entity: 'spaceship', recordId: uuidv7(), fields: { name: `Mallory ${TAG} entity` } },
  ];
}

function goodContact(n: number): HostileOp & { email: string } {
  const email = `grace.${GOOD}.${n}@example.com`;
  return {
    entity: 'contact',
    recordId: uuidv7(),
    fields: { name: `Grace ${GOOD} ${n}`, emails: [email] },
    email,
  };
}

const cluster = new Cluster();
let a: HostProcess;
let b: HostProcess;
const mallory = new HostileMember();
const baseline = new Map<string, SyncStatus>();
const afterFirst = new Map<string, SyncStatus>();
const bad = badOps();
const first = goodContact(1);

beforeAll(async () => {
  const server = await cluster.startServer();
  [a, b] = await Promise.all([cluster.startHost('A'), cluster.startHost('B')]);
  await formWorkspace(server.url, a, [b]);
  const { code } = await a.call('invites.create', { ttlHours: 1 });
  await mallory.join(code);
  for (const host of [a, b]) baseline.set(host.name, await host.call('sync.status'));
}, 90_000);

afterAll(() => cluster.stop(), 30_000);

/** Soft checks that the host lists, searches and shows the good contact and nothing of the bad ones. */
async function expectHealthy(host: HostProcess, good: ReturnType<typeof goodContact>): Promise<void> {
  const contacts = await host.attempt('contacts.list', { limit: 200 });
  expect.soft(contacts.ok ? 'ok' : contacts.code, `${host.name} contacts.list`).toBe('ok');
  if (contacts.ok) {
    const found = contacts.result.items.find((c) => c.id === good.recordId);
    expect.soft(found?.name, `${host.name} lists the good contact`).toBe(good.fields.name);
    expect.soft(found?.emails, `${host.name} good contact's e-mails`).toEqual([good.email]);
    expect
      .soft(JSON.stringify(contacts.result), `${host.name} contacts.list shows a bad value`)
      .not.toContain(TAG);
  }
  const deals = await host.attempt('deals.list', { limit: 200 });
  expect.soft(deals.ok ? 'ok' : deals.code, `${host.name} deals.list`).toBe('ok');
  if (deals.ok) {
    expect.soft(JSON.stringify(deals.result), `${host.name} deals.list shows a bad value`).not.toContain(TAG);
  }
  const hit = await host.attempt('search.query', { q: GOOD });
  expect.soft(hit.ok ? 'ok' : hit.code, `${host.name} search.query`).toBe('ok');
  if (hit.ok) {
    expect
      .soft(
        hit.result.hits.map((h) => h.id),
        `${host.name} finds the good contact`,
      )
      .toContain(good.recordId);
  }
  for (const q of [TAG, 'Mallory']) {
    const miss = await host.attempt('search.query', { q });
    expect.soft(miss.ok ? 'ok' : miss.code, `${host.name} search.query ${q}`).toBe('ok');
    if (miss.ok)
      expect.soft(miss.result.hits, `${host.name} search finds a bad record by "${q}"`).toEqual([]);
  }
  for (const op of bad.filter((o) => o.entity === 'contact' && !o.recordId.startsWith('not-'))) {
    const got = await host.attempt('contacts.get', { id: op.recordId });
    expect.soft(got.ok, `${host.name} contacts.get of a quarantined record`).toBe(false);
  }
}

describe('issue 10 (a): hostile remote ops are quarantined, not applied, and sync goes on', () => {
  it('quarantines every bad op on every receiver and applies the good delta after them', async () => {
    for (const op of bad) await mallory.push(op);
    await mallory.push(first);

    for (const host of [a, b]) {
      const synced = await host.attempt('sync.now');
      expect.soft(synced.ok ? 'ok' : synced.code, `${host.name} sync.now`).toBe('ok');
      const status = await host.call('sync.status');
      afterFirst.set(host.name, status);
      const base = baseline.get(host.name)!;
      expect
        .soft(status.state, `${host.name} sync state (error: ${status.error?.code ?? 'none'})`)
        .not.toBe('error');
      const quarantined = status.quarantinedOps - base.quarantinedOps;
      const rejected = status.rejectedDeltas - base.rejectedDeltas;
      // Five ops name a real entity: they are ops to hold back, never whole deltas to reject.
      expect
        .soft(quarantined, `${host.name} quarantinedOps (rejected ${rejected})`)
        .toBeGreaterThanOrEqual(bad.length - 1);
      // The unknown entity may count either way, but every bad delta is counted exactly once.
      expect.soft(quarantined + rejected, `${host.name} quarantinedOps + rejectedDeltas`).toBe(bad.length);
      await expectHealthy(host, first);
    }
  }, 90_000);

  it('is not stuck: a later good delta and a local edit both sync on the next round', async () => {
    const second = goodContact(2);
    await mallory.push(second);
    const local = await a.call('contacts.create', { name: `Ada ${GOOD} local` });
    for (const host of [a, b, a]) {
      const synced = await host.attempt('sync.now');
      expect.soft(synced.ok ? 'ok' : synced.code, `${host.name} second sync.now`).toBe('ok');
    }
    for (const host of [a, b]) {
      const status = await host.call('sync.status');
      const before = afterFirst.get(host.name);
      expect.soft(status.state, `${host.name} sync state after the second round`).not.toBe('error');
      expect.soft(status.pending, `${host.name} ops still unpushed`).toBe(0);
      // Counted once: pulling again or applying later deltas does not count the bad ops again.
      expect
        .soft(status.quarantinedOps, `${host.name} quarantinedOps after the second round`)
        .toBe(before?.quarantinedOps);
      expect
        .soft(status.rejectedDeltas, `${host.name} rejectedDeltas after the second round`)
        .toBe(before?.rejectedDeltas);
      await expectHealthy(host, second);
      const ada = await host.attempt('contacts.get', { id: local.id });
      expect.soft(ada.ok ? ada.result.name : ada.code, `${host.name} has A's local contact`).toBe(local.name);
    }
  }, 90_000);
});
