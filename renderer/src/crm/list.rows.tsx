import { memo } from 'react';
import { formatNumber } from '../format';
import type { AnyRecord } from './crm.data';
import type { RowGroup } from './list.groups';

/** A group's heading row in a grouped list. */
export const GroupRow = memo(function GroupRow(props: {
  index: number;
  start: number;
  height: number;
  label: string;
  count: number;
}) {
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      className="vrow vgroup"
      style={{ transform: `translateY(${props.start}px)`, height: props.height }}
      data-testid="group-row"
    >
      <div role="rowheader" className="vcell">
        <strong>{props.label}</strong> <span className="muted">({formatNumber(props.count)})</span>
      </div>
    </div>
  );
});

export type DisplayRow =
  | { readonly kind: 'group'; readonly key: string; readonly label: string; readonly count: number }
  | { readonly kind: 'record'; readonly record: AnyRecord };

/** Rows as shown: the records, or each group's heading followed by its records. */
export function displayRows(items: readonly AnyRecord[], groups: readonly RowGroup[] | null): DisplayRow[] {
  if (!groups) return items.map((record) => ({ kind: 'record', record }));
  return groups.flatMap((g): DisplayRow[] => [
    { kind: 'group', key: g.key, label: g.label, count: g.records.length },
    ...g.records.map((record): DisplayRow => ({ kind: 'record', record })),
  ]);
}
