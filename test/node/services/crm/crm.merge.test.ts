import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture } from './support/crm.fixture';

function pendingOps(f: Awaited<ReturnType<typeof createCrmFixture>>): number {
  return (
    f.db.prepare("SELECT count(*) AS n FROM crm_oplog WHERE sync_state = 'pending'").get() as { n: number }
  ).n;
}

describe('records.merge', () => {
  it('merges two contacts field by field, keeps their activities, tasks and deals, and logs every step as an op', async () => {
    const f = await createCrmFixture();
    const acme = await f.ok('accounts.create', { name: 'Acme' });
    const keep = await f.ok('contacts.create', {
      name: '张伟',
      title: 'Buyer',
      emails: ['zw@example.cn'],
      phones: ['+86 138 0013 8000'],
      tags: ['vip'],
    });
    const dupe = await f.ok('contacts.create', {
      name: '张 伟',
      title: '采购经理',
      accountId: acme.id,
      emails: ['zhang.wei@work.example', 'zw@example.cn'],
      tags: ['fair'],
      notes: 'met at the fair',
    });
    const visit = await f.ok('activities.create', {
      kind: 'visit',
      occurredAt: 1000,
      contactId: dupe.id,
      attendeeIds: [dupe.id, keep.id],
    });
    const task = await f.ok('tasks.create', { title: 'Call back', contactId: dupe.id });
    const deal = await f.ok('deals.create', {
      name: 'Deal',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      contactIds: [dupe.id],
    });
    const before = pendingOps(f);
    const res = await f.ok('records.merge', {
      entity: 'contact',
      intoId: keep.id,
      fromId: dupe.id,
      take: ['title', 'accountId', 'notes'],
    });
    expect(res).toEqual({ id: keep.id, relinked: 3 });
    const merged = await f.ok('contacts.get', { id: keep.id });
    expect(merged).toMatchObject({
      name: '张伟',
      title: '采购经理',
      accountId: acme.id,
      notes: 'met at the fair',
      emails: ['zw@example.cn', 'zhang.wei@work.example'],
      phones: ['+86 138 0013 8000'],
      tags: ['vip', 'fair'],
    });
    expect(await f.call('contacts.get', { id: dupe.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await f.ok('activities.get', { id: visit.id })).contactId).toBe(keep.id);
    expect((await f.ok('activities.get', { id: visit.id })).attendeeIds).toEqual([keep.id]);
    expect((await f.ok('tasks.get', { id: task.id })).contactId).toBe(keep.id);
    expect((await f.ok('deals.get', { id: deal.id })).contactIds).toEqual([keep.id]);
    // Through the writer: the merged fields, three re-links and the delete are pending ops for sync.
    expect(pendingOps(f) - before).toBe(5);
  });

  it('merges accounts and moves their contacts and deals', async () => {
    const f = await createCrmFixture();
    const a = await f.ok('accounts.create', { name: 'Acme GmbH', industry: 'Tools' });
    const b = await f.ok('accounts.create', { name: 'ACME', domain: 'acme.example' });
    const c = await f.ok('contacts.create', { name: 'Ann', accountId: b.id });
    const d = await f.ok('deals.create', {
      name: 'D',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      accountId: b.id,
    });
    const dupes = await f.ok('duplicates.find', { entity: 'account', name: 'Acme', excludeId: a.id });
    expect(dupes.matches.map((m) => m.id)).toEqual([b.id]);
    await f.ok('records.merge', { entity: 'account', intoId: a.id, fromId: b.id, take: ['domain'] });
    expect(await f.ok('accounts.get', { id: a.id })).toMatchObject({
      industry: 'Tools',
      domain: 'acme.example',
    });
    expect((await f.ok('contacts.get', { id: c.id })).accountId).toBe(a.id);
    expect((await f.ok('deals.get', { id: d.id })).accountId).toBe(a.id);
  });

  it('refuses to merge a record into itself, a deleted record or an unknown field, and changes nothing', async () => {
    const f = await createCrmFixture();
    const a = await f.ok('contacts.create', { name: 'A' });
    const b = await f.ok('contacts.create', { name: 'B' });
    const ops = pendingOps(f);
    expect(
      await f.call('records.merge', { entity: 'contact', intoId: a.id, fromId: a.id, take: [] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(
      await f.call('records.merge', { entity: 'contact', intoId: a.id, fromId: b.id, take: ['nope'] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    await f.ok('contacts.delete', { id: b.id });
    const afterDelete = pendingOps(f);
    expect(afterDelete).toBe(ops + 1);
    expect(
      await f.call('records.merge', { entity: 'contact', intoId: a.id, fromId: b.id, take: ['name'] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(pendingOps(f)).toBe(afterDelete);
  });

  it('keeps the more recently recorded consent decision of the two, never dropping one for the default', async () => {
    const f = await createCrmFixture();
    const consent = (marketingOptIn: boolean, recordedAt: number | null, source: string | null) => ({
      marketingOptIn,
      recordedAt,
      source,
    });
    const merge = async (into: unknown, from: unknown) => {
      const a = await f.ok('contacts.create', { name: 'Ann Lee', consent: into });
      const b = await f.ok('contacts.create', { name: 'Ann Lee', consent: from });
      await f.ok('records.merge', { entity: 'contact', intoId: a.id, fromId: b.id, take: [] });
      return (await f.ok('contacts.get', { id: a.id })).consent;
    };
    // The other contact opted in at a trade fair; the kept one never recorded anything.
    const fair = consent(true, 2_000, 'Trade fair form');
    expect(await merge(consent(false, null, null), fair)).toEqual(fair);
    // An opt-out recorded later than the opt-in wins, whichever side it is on.
    const optOut = consent(false, 3_000, 'Unsubscribe link');
    expect(await merge(fair, optOut)).toEqual(optOut);
    expect(await merge(optOut, fair)).toEqual(optOut);
    // Neither recorded: the kept contact's stays.
    expect(await merge(consent(false, null, null), consent(false, null, null))).toEqual(
      consent(false, null, null),
    );
    await f.services.dispose();
  });
});
