import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../electron/services/crm/crm.entities';
import { createCrmFixture } from './support/crm.fixture';

describe('the board read: counts and sums per stage, amount range in main', () => {
  it('counts and sums the matching open deals per stage and currency, and filters lists by amount', async () => {
    const f = await createCrmFixture();
    const deal = (stageId: string, amountMinor: number, currency = 'EUR', ownerId?: string) =>
      f.ok('deals.create', {
        name: `D ${stageId} ${amountMinor}`,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId,
        amountMinor,
        currency,
        ...(ownerId ? { ownerId } : {}),
      });
    await deal('lead', 100_00);
    await deal('lead', 250_00, 'EUR', 'li');
    await deal('lead', 70_00, 'USD');
    await deal('proposal', 1_000_00);
    const won = await deal('proposal', 5_000_00);
    await f.ok('deals.update', { id: won.id, patch: { status: 'won' } });
    const gone = await deal('qualified', 9_00);
    await f.ok('deals.delete', { id: gone.id });

    const all = await f.ok('deals.sumByStage', {
      filter: { pipelineId: DEFAULT_PIPELINE_ID, status: 'open' },
    });
    expect(all.stages).toEqual([
      {
        stageId: 'lead',
        count: 3,
        sums: [
          { currency: 'EUR', amountMinor: 350_00 },
          { currency: 'USD', amountMinor: 70_00 },
        ],
      },
      { stageId: 'proposal', count: 1, sums: [{ currency: 'EUR', amountMinor: 1_000_00 }] },
    ]);
    // The same filters as the list: owner, and the amount range (from inclusive, below exclusive).
    const li = await f.ok('deals.sumByStage', { filter: { status: 'open', ownerId: 'li' } });
    expect(li.stages).toEqual([
      { stageId: 'lead', count: 1, sums: [{ currency: 'EUR', amountMinor: 250_00 }] },
    ]);
    const range = { status: 'open' as const, amountFrom: 100_00, amountBelow: 1_000_00 };
    const ranged = await f.ok('deals.sumByStage', { filter: range });
    expect(ranged.stages.map((s) => [s.stageId, s.count])).toEqual([['lead', 2]]);
    const listed = await f.ok('deals.list', { filter: range, sort: { field: 'amountMinor', dir: 'asc' } });
    expect(listed.items.map((d) => d.amountMinor)).toEqual([100_00, 250_00]);
    expect((await f.ok('deals.sumByStage', { filter: { stageId: 'negotiation' } })).stages).toEqual([]);
  });

  it('refuses an unknown filter or a fractional bound with a typed error', async () => {
    const f = await createCrmFixture();
    expect((await f.call('deals.sumByStage', { filter: { bogus: 1 } })).ok).toBe(false);
    const bad = await f.call('deals.sumByStage', { filter: { amountFrom: 1.5 } });
    expect(bad.ok ? null : bad.error.code).toBe('VALIDATION');
  });
});
