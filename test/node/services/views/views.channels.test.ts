import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

const forecast = {
  name: 'Forecast this month',
  list: 'deal',
  query: {
    sort: { field: 'expectedCloseDate', dir: 'asc' },
    filter: {
      pipelineId: DEFAULT_PIPELINE_ID,
      status: 'open',
      expectedCloseAfter: '2026-12-01',
      expectedCloseBefore: '2027-01-01',
    },
  },
  groupBy: 'ownerId',
  columns: ['name', 'amountMinor', 'stageId', 'expectedCloseDate', 'updatedAt'],
};

const opCount = (f: CrmFixture, table?: string): number =>
  f.db
    .prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM crm_oplog${table ? ` WHERE entity = '${table}'` : ''}`,
    )
    .get()!.n;

describe('saved views over the shipped composition', () => {
  it('writes shared views through the one writer: created, listed, renamed, deleted, in the op log', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const view = await f.ok('savedViews.create', forecast);
    expect(view).toMatchObject(forecast);
    expect((await f.ok('savedViews.list', { filter: { list: 'deal' } })).items.map((v) => v.id)).toEqual([
      view.id,
    ]);
    expect((await f.ok('savedViews.list', { filter: { list: 'contact' } })).items).toEqual([]);
    const renamed = await f.ok('savedViews.update', { id: view.id, patch: { name: 'Team forecast' } });
    expect(renamed.name).toBe('Team forecast');
    expect(renamed.query).toEqual(forecast.query);
    // Every change is an op of the savedView kind: what sync carries (end-to-end encrypted).
    expect(opCount(f, 'savedView')).toBeGreaterThanOrEqual(2);
    await f.ok('savedViews.delete', { id: view.id });
    expect((await f.ok('savedViews.list', {})).items).toEqual([]);
  });

  it('refuses a bad view with a typed error and keeps nothing of it', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const bad = [
      { ...forecast, name: '' },
      { ...forecast, list: 'pipeline' },
      { ...forecast, groupBy: 'owner id; drop' },
      { ...forecast, query: { ...forecast.query, sort: { field: 'name', dir: 'up' } } },
    ];
    for (const input of bad) {
      const res = await f.call('savedViews.create', input);
      expect(res.ok ? null : res.error.code).toBe('VALIDATION');
      const local = await f.call('privateViews.save', { view: input });
      expect(local.ok ? null : local.error.code).toBe('VALIDATION');
    }
    // A view's list is fixed once it exists.
    const view = await f.ok('savedViews.create', forecast);
    const moved = await f.call('savedViews.update', {
      id: view.id,
      patch: { list: 'contact' },
    });
    expect(moved.ok ? null : moved.error.code).toBe('VALIDATION');
    expect((await f.ok('savedViews.list', {})).items).toHaveLength(1);
    expect(await f.ok('privateViews.list', {})).toEqual([]);
  });

  it('keeps private views on the device: no op, so sync never carries them', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const before = opCount(f);
    const mine = await f.ok('privateViews.save', { view: { ...forecast, name: 'Only mine' } });
    const other = await f.ok('privateViews.save', {
      view: { ...forecast, name: 'Accounts A', list: 'account', groupBy: null, columns: [] },
    });
    expect((await f.ok('privateViews.list', {})).map((v) => v.name)).toEqual(['Accounts A', 'Only mine']);
    expect((await f.ok('privateViews.list', { list: 'deal' })).map((v) => v.id)).toEqual([mine.id]);
    const renamed = await f.ok('privateViews.save', { id: mine.id, view: { ...forecast, name: 'Mine' } });
    expect(renamed).toMatchObject({ id: mine.id, name: 'Mine', query: forecast.query });
    const moved = await f.call('privateViews.save', {
      id: other.id,
      view: { ...forecast, name: 'Accounts A' },
    });
    expect(moved.ok ? null : moved.error.code).toBe('VALIDATION');
    await f.ok('privateViews.delete', { id: other.id });
    const again = await f.call('privateViews.delete', { id: other.id });
    expect(again.ok ? null : again.error.code).toBe('NOT_FOUND');
    const missing = await f.call('privateViews.save', { id: other.id, view: forecast });
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
    expect(opCount(f)).toBe(before);
    expect((await f.ok('privateViews.list', {})).map((v) => v.name)).toEqual(['Mine']);
  });
});
