import { useVirtualizer } from './virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatNumber } from '../format';
import { useUiStore, type EntityKind } from '../ui.store';
import { clean, download } from './crm.data';
import { NewRecord } from './NewRecord';
import { useListsStore } from './lists.store';
import { usePipelinesStore } from './pipelines.store';
import { useColumns, type Column } from './list.columns';
import { useRecordsChanged } from './records.events';
import { CustomListTools } from './CustomListTools';
import { ownerLabel, scopedFilter, useMembersStore } from '../people/members.store';
import { ReassignButton } from '../people/Reassign';
import { groupRows, type RowGroup } from './list.groups';
import { displayRows, GroupRow } from './list.rows';
import { PrintList, usePrint } from './list.print';
import { useRefNames } from './history.names';
import { ViewsBar } from './ViewsBar';
import { filterSummary, useViewsStore } from './views.store';
import { Filters } from './list.filters';
import { ListRow, ROW_HEIGHT } from './list.rows';

const TITLES: Record<EntityKind, 'nav.accounts' | 'nav.contacts' | 'nav.deals'> = {
  account: 'nav.accounts',
  contact: 'nav.contacts',
  deal: 'nav.deals',
};

/**
 * The scrolling rows. Its own component so a scroll re-renders only this, not the header and filters.
 */
function ListBody(props: {
  entity: EntityKind;
  columns: Column[];
  template: string;
  onOpen: (id: string) => void;
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
  groups: readonly RowGroup[] | null;
}) {
  // TanStack Virtual returns fresh values from a stable object, which the React Compiler cannot memoise.
  'use no memo';
  const { t } = useTranslation();
  const { entity, columns, template, onOpen } = props;
  const items = useListsStore((s) => s.lists[entity].items);
  const total = useListsStore((s) => s.lists[entity].total);
  const nextCursor = useListsStore((s) => s.lists[entity].nextCursor);
  const loaded = useListsStore((s) => s.lists[entity].loaded);
  const loadMore = useListsStore((s) => s.loadMore);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => displayRows(items, props.groups), [items, props.groups]);
  // Size the list by the total so the scrollbar is honest; rows beyond the loaded pages are placeholders.
  const count = nextCursor ? Math.max(total + rows.length - items.length, rows.length + 1) : rows.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Let React batch scroll updates instead of rendering synchronously inside the scroll event.
    useFlushSync: false,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 100 && nextCursor) void loadMore(entity);
  }, [lastIndex, rows.length, nextCursor, entity, loadMore]);
  const loadingLabel = t('app.loading');
  const selectLabel = t('workday.select');
  return (
    <div ref={scrollRef} className="vscroll" data-testid="list-scroll">
      <div
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
        role={count > 0 ? 'rowgroup' : undefined}
      >
        {virtualItems.map((v) => {
          const row = rows[v.index];
          if (row?.kind === 'group') {
            return (
              <GroupRow
                key={`group-${row.key}`}
                index={v.index}
                start={v.start}
                height={ROW_HEIGHT}
                label={row.label}
                count={row.count}
              />
            );
          }
          return (
            <ListRow
              key={row?.record.id ?? `loading-${v.index}`}
              index={v.index}
              start={v.start}
              record={row?.record}
              columns={columns}
              template={template}
              onOpen={onOpen}
              loadingLabel={loadingLabel}
              selected={props.selected.has(row?.record.id ?? '')}
              onToggle={props.onToggle}
              selectLabel={selectLabel}
            />
          );
        })}
      </div>
      {loaded && items.length === 0 && <p className="muted empty">{t('lists.empty')}</p>}
    </div>
  );
}

/** A virtualised, sortable, filterable list of accounts, contacts or deals. */
export function ListScreen({ entity }: { entity: EntityKind }) {
  const { t } = useTranslation();
  const list = useListsStore((s) => s.lists[entity]);
  const { setQuery, reload } = useListsStore.getState();
  const navigate = useUiStore((s) => s.navigate);
  const allColumns = useColumns(entity);
  const columns = useMemo(() => {
    if (list.columns.length === 0) return allColumns;
    const chosen = allColumns.filter((c) => list.columns.includes(c.key));
    return chosen.length > 0 ? chosen : allColumns;
  }, [allColumns, list.columns]);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const accountIds =
    list.groupBy === 'accountId'
      ? list.items.flatMap((r) => ('accountId' in r && r.accountId ? [r.accountId] : []))
      : [];
  const names = useRefNames([{ field: 'accountId', before: null, after: accountIds }]);
  const members = useMembersStore((s) => s.members);
  const groups = list.groupBy
    ? groupRows(list.items, list.groupBy, t, pipelines, names, (o) => ownerLabel(members, o))
    : null;
  const activeView = useViewsStore((s) => s.views.find((v) => v.id === s.active[entity]) ?? null);
  const { printedAt, print } = usePrint(entity);
  const open = useCallback((id: string) => navigate({ name: 'record', entity, id }), [navigate, entity]);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    void usePipelinesStore
      .getState()
      .load()
      .catch(() => undefined);
    void reload(entity);
  }, [entity, reload]);
  // Pulled or other windows' records appear in place; the rows already shown stay until then.
  useRecordsChanged((change) => (change.has(entity) ? useListsStore.getState().refresh(entity) : undefined));

  const sortBy = (field: string) => {
    const dir = list.query.sort.field === field && list.query.sort.dir === 'asc' ? 'desc' : 'asc';
    setQuery(entity, { ...list.query, sort: { field, dir } });
  };
  // The first track is the row's selection checkbox.
  const template = useMemo(() => ['36px', ...columns.map((c) => c.width)].join(' '), [columns]);
  // Selected rows (of the loaded ones); a new filter or sort starts a new selection.
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const queryKey = JSON.stringify(list.query);
  const [selectedFor, setSelectedFor] = useState(queryKey);
  if (selectedFor !== queryKey) {
    setSelectedFor(queryKey);
    setSelected(new Set());
  }
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const next = new Set(s);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  const allSelected = list.items.length > 0 && list.items.every((r) => selected.has(r.id));
  const exportCsv = async () => {
    try {
      // Selected rows in list order, else every match of the list's filter (not the whole table).
      const ids = list.items.filter((r) => selected.has(r.id)).map((r) => r.id);
      download(
        await call(
          'export.csv',
          ids.length > 0
            ? { entity, ids }
            : {
                entity,
                // A view's custom field conditions too, so the file holds exactly the list's rows.
                filter: {
                  ...(await scopedFilter(entity, clean(list.query.filter))),
                  ...(list.query.custom && list.query.custom.length > 0 ? { custom: list.query.custom } : {}),
                },
              },
        ),
      );
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const filtered = Object.keys(clean(list.query.filter)).length > 0;

  return (
    <div className="screen list-screen" data-screen={`list-${entity}`}>
      <div className="screen-head">
        <h1>{t(TITLES[entity])}</h1>
        <span className="muted" data-testid="list-count" aria-live="polite">
          {t('lists.count', { shown: formatNumber(list.items.length), total: formatNumber(list.total) })}
        </span>
        <div className="row push">
          {selected.size > 0 && (
            <>
              <span className="muted" data-testid="selected-count">
                {t('workday.selected', { count: selected.size })}
              </span>
              <button type="button" className="link" onClick={() => setSelected(new Set())}>
                {t('workday.clearSelection')}
              </button>
              <ReassignButton
                entity={entity}
                ids={list.items.filter((r) => selected.has(r.id)).map((r) => r.id)}
                onDone={() => setSelected(new Set())}
              />
            </>
          )}
          <button type="button" onClick={() => void exportCsv()} data-testid="export">
            {selected.size > 0
              ? t('workday.exportSelected')
              : filtered
                ? t('workday.exportFiltered')
                : t('lists.export')}
          </button>
        </div>
      </div>
      <ErrorMessage error={error ?? list.error} onDismiss={() => setError(null)} />
      {list.skipped > 0 && (
        <p className="muted" role="status" data-testid="list-skipped">
          {t('lists.skipped', { count: list.skipped })}
        </p>
      )}
      <NewRecord entity={entity} onError={setError} />
      <ViewsBar entity={entity} allColumns={allColumns} onPrint={print} onError={setError} />
      <Filters key={JSON.stringify(list.query.filter)} entity={entity} />
      <CustomListTools entity={entity} />
      <div
        className="vtable"
        role="table"
        aria-label={t(TITLES[entity])}
        aria-rowcount={list.total + 1}
        data-testid="list"
      >
        <div className="vrow vhead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
          <div role="columnheader" className="vcell select-cell">
            <input
              type="checkbox"
              checked={allSelected}
              disabled={list.items.length === 0}
              onChange={() => setSelected(allSelected ? new Set() : new Set(list.items.map((r) => r.id)))}
              aria-label={t('workday.selectAll')}
              data-testid="select-all"
            />
          </div>
          {columns.map((c) => {
            const sorted = list.query.sort.field === c.sort;
            return (
              <div
                key={c.key}
                role="columnheader"
                aria-sort={sorted ? (list.query.sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                className="vcell"
              >
                {c.sort ? (
                  <button type="button" className="sort" onClick={() => sortBy(c.sort ?? c.key)}>
                    {c.label}
                    <span aria-hidden="true">
                      {sorted ? (list.query.sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </button>
                ) : (
                  c.label
                )}
              </div>
            );
          })}
        </div>
        <ListBody
          entity={entity}
          columns={columns}
          template={template}
          onOpen={open}
          selected={selected}
          onToggle={toggle}
          groups={groups}
        />
      </div>
      {printedAt !== null && (
        <PrintList
          printedAt={printedAt}
          title={
            activeView
              ? t('views.printTitle', { list: t(TITLES[entity]), view: activeView.name })
              : t(TITLES[entity])
          }
          subtitle={filterSummary(list.query.filter, t)}
          columns={columns}
          records={list.items}
          groups={groups}
        />
      )}
    </div>
  );
}
