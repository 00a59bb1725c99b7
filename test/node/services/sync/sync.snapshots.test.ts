import { describe, expect, it } from 'vitest';
import { compactRows } from '../../../../electron/services/sync/sync.snapshots';

describe('snapshot compaction', () => {
  it('drops fields a later row of the same record wrote again, keeps custom values and other records', () => {
    const rows: [string, string, string, string, string][] = [
      ['o1', 'deal', 'a', 'h1', '{"name":"A","stageId":"lead","custom":{"x":1}}'],
      ['o2', 'deal', 'a', 'h2', '{"stageId":"qualified","custom":{"y":2}}'],
      ['o3', 'deal', 'a', 'h3', '{"stageId":"proposal"}'],
      ['o4', 'contact', 'b', 'h1', '{"name":"B"}'],
    ];
    expect([...compactRows(rows.values())]).toEqual([
      ['o1', 'deal', 'a', 'h1', '{"name":"A","custom":{"x":1}}'],
      ['o2', 'deal', 'a', 'h2', '{"custom":{"y":2}}'],
      ['o3', 'deal', 'a', 'h3', '{"stageId":"proposal"}'],
      ['o4', 'contact', 'b', 'h1', '{"name":"B"}'],
    ]);
  });
});
