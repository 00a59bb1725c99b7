import { memo } from 'react';
import type { Column } from './list.columns';
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

/** The height of one list row, in pixels (the virtual list positions rows by it). */
export const ROW_HEIGHT = 40;

/** One row; memoised so loading a page or scrolling re-renders only rows whose record changed. */
export const ListRow = memo(function ListRow(props: {
  index: number;
  start: number;
  record: AnyRecord | undefined;
  columns: Column[];
  template: string;
  onOpen: (id: string) => void;
  loadingLabel: string;
  selected: boolean;
  onToggle: (id: string) => void;
  selectLabel: string;
}) {
  const { record, columns } = props;
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      className="vrow"
      style={{
        gridTemplateColumns: props.template,
        transform: `translateY(${props.start}px)`,
        height: ROW_HEIGHT,
      }}
    >
      <div role="cell" className="vcell select-cell">
        {record && (
          <input
            type="checkbox"
            checked={props.selected}
            onChange={() => props.onToggle(record.id)}
            aria-label={`${props.selectLabel} ${record.name}`}
            data-select={record.id}
          />
        )}
      </div>
      {record ? (
        columns.map((c, i) => (
          <div key={c.key} role="cell" className="vcell">
            {i === 0 ? (
              <button type="button" className="link row-link" onClick={() => props.onOpen(record.id)}>
                {c.render(record)}
              </button>
            ) : (
              c.render(record)
            )}
          </div>
        ))
      ) : (
        <div role="cell" className="vcell muted">
          {props.loadingLabel}
        </div>
      )}
    </div>
  );
});
