import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

describe('people over the shipped composition', () => {
  it('lists a solo vault as one member and stores its name and team as a synced record', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const first = await f.ok('members.list', {});
    expect(first.members).toHaveLength(1);
    expect(first.members[0]).toMatchObject({
      memberId: first.selfId,
      role: 'owner',
      isSelf: true,
      team: null,
    });
    expect(first.canManage).toBe(true);

    const named = await f.ok('members.update', {
      memberId: first.selfId,
      displayName: 'Ana Silva',
      team: 'North',
    });
    expect(named).toMatchObject({ name: 'Ana Silva', team: 'North' });
    const again = await f.ok('members.update', { memberId: first.selfId, team: 'South' });
    expect(again).toMatchObject({ name: 'Ana Silva', team: 'South' });
    // One profile record, written as field ops by the one writer (so it syncs).
    const profiles = await f.ok('memberProfiles.list', {});
    expect(profiles.items).toHaveLength(1);
    const ops = f.db.prepare("SELECT count(*) AS n FROM crm_oplog WHERE entity = 'memberProfile'").get() as {
      n: number;
    };
    expect(ops.n).toBeGreaterThan(0);

    const unknown = await f.call('members.update', { memberId: 'nobody', displayName: 'X' });
    expect(unknown.ok ? null : unknown.error.code).toBe('NOT_FOUND');
  });

  it('filters "my records" by member id and by free-text owner names, then reassigns in bulk with undo', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const { selfId } = await f.ok('members.list', {});
    await f.ok('members.update', { memberId: selfId, displayName: 'Ana Silva' });
    const deal = (name: string, ownerId: string | null) =>
      f.ok('deals.create', { name, pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead', ownerId });
    const mine = await deal('Mine by id', selfId);
    const typed = await deal('Mine typed', 'ANA SILVA');
    const other = await deal('Sam', 'Sam');
    await deal('Nobody', null);

    const my = await f.ok('deals.list', { filter: { ownerIn: [selfId, 'Ana Silva'] } });
    expect(my.items.map((d) => d.name).sort()).toEqual(['Mine by id', 'Mine typed']);
    const none = await f.ok('deals.list', { filter: { ownerIn: [] } });
    expect(none.total).toBe(0);

    const moved = await f.ok('records.reassign', {
      entity: 'deal',
      ids: [typed.id, other.id, mine.id],
      ownerId: selfId,
    });
    // The deal already owned by the member is left alone and not counted.
    expect(moved.count).toBe(2);
    expect(moved.previous).toEqual([
      { id: typed.id, ownerId: 'ANA SILVA' },
      { id: other.id, ownerId: 'Sam' },
    ]);
    expect((await f.ok('deals.get', { id: other.id })).ownerId).toBe(selfId);
    const ops = f.db
      .prepare("SELECT count(*) AS n FROM crm_oplog WHERE entity = 'deal' AND record_id = ?")
      .get(other.id) as { n: number };
    expect(ops.n).toBe(2);

    // Undo: each record back to its owner before.
    for (const p of moved.previous)
      await f.ok('records.reassign', { entity: 'deal', ids: [p.id], ownerId: p.ownerId });
    expect((await f.ok('deals.get', { id: other.id })).ownerId).toBe('Sam');

    // Tasks reassign their assignee; a missing record fails the whole reassignment.
    const task = await f.ok('tasks.create', { title: 'Call back' });
    await f.ok('records.reassign', { entity: 'task', ids: [task.id], ownerId: selfId });
    expect((await f.ok('tasks.list', { filter: { assigneeIn: [selfId] } })).items.map((t) => t.id)).toEqual([
      task.id,
    ]);
    const bad = await f.call('records.reassign', {
      entity: 'deal',
      ids: [other.id, '00000000-0000-7000-8000-00000000dead'],
      ownerId: selfId,
    });
    expect(bad.ok ? null : bad.error.code).toBe('NOT_FOUND');
    expect((await f.ok('deals.get', { id: other.id })).ownerId).toBe('Sam');

    // Activities: "mine" are the ones this member wrote.
    await f.ok('activities.create', { kind: 'call', occurredAt: Date.now() });
    expect((await f.ok('activities.list', { filter: { authorIn: [selfId] } })).total).toBe(1);
    expect((await f.ok('activities.list', { filter: { authorIn: ['someone'] } })).total).toBe(0);
  });
});
