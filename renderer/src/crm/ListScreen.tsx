import { useVirtualizer } from './virtual';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatNumber } from '../format';
import { useUiStore, type EntityKind } from '../ui.store';
import { createRecord, download, type AnyRecord } from './crm.data';
import { useListsStore } from './lists.store';
import { stageLabel, usePipelinesStore } from './pipelines.store';
import { useColumns, type Column } from './list.columns';
import { useRecordsChanged } from './records.events';
import { CustomListTools } from './CustomListTools';

const ROW_HEIGHT = 40;

function Filters({ entity }: { entity: EntityKind }) {
  const { t } = useTranslation();
  const query = useListsStore((s) => s.lists[entity].query);
  const setQuery = useListsStore((s) => s.setQuery);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [draft, setDraft] = useState(query.filter);
  const id = useId();
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setQuery(entity, { ...query, filter: draft });
  };
  const text = (key: string, label: string) => (
    <div className="field compact">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={draft[key] ?? ''}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </div>
  );
  const pipeline = pipelines?.[0];
  const stages = pipeline?.stages ?? [];
  return (
    <form className="filters" onSubmit={apply} aria-label={t('lists.filter')}>
      {text('ownerId', t('fields.ownerId'))}
      {entity !== 'deal' && text('tag', t('fields.tags'))}
      {entity === 'deal' && (
        <>
          <div className="field compact">
            <label htmlFor={`${id}-stage`}>{t('fields.stageId')}</label>
            <select
              id={`${id}-stage`}
              value={draft.stageId ?? ''}
              onChange={(e) => setDraft({ ...draft, stageId: e.target.value })}
            >
              <option value="">{t('lists.all')}</option>
              {stages.map((s) => (
                <option key={s.id} value={s.id}>
                  {pipeline ? stageLabel(pipeline.id, s, t) : s.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field compact">
            <label htmlFor={`${id}-status`}>{t('fields.status')}</label>
            <select
              id={`${id}-status`}
              value={draft.status ?? ''}
              onChange={(e) => setDraft({ ...draft, status: e.target.value })}
            >
              <option value="">{t('lists.all')}</option>
              {(['open', 'won', 'lost'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`dealStatus.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
      <button type="submit">{t('lists.filter')}</button>
    </form>
  );
}

function NewRecord({ entity, onError }: { entity: EntityKind; onError: (e: ErrorInfo) => void }) {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    setBusy(true);
    try {
      const record = await createRecord(entity, name.trim());
      setName('');
      void useListsStore.getState().reload(entity);
      navigate({ name: 'record', entity, id: record.id });
    } catch (e) {
      onError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="new-record row" onSubmit={(e) => void submit(e)}>
      <label htmlFor={id} className="sr-only">
        {t('record.newTitle', { entity: t(`entity.${entity}`) })}
      </label>
      <input
        id={id}
        value={name}
        placeholder={t('record.newTitle', { entity: t(`entity.${entity}`) })}
        onChange={(e) => setName(e.target.value)}
        data-testid="new-name"
      />
      <button
        type="submit"
        className="primary"
        disabled={busy || name.trim() === ''}
        data-testid="new-create"
      >
        {t('lists.new')}
      </button>
    </form>
  );
}

/** One row; memoised so loading a page or scrolling re-renders only rows whose record changed. */
const ListRow = memo(function ListRow(props: {
  index: number;
  start: number;
  record: AnyRecord | undefined;
  columns: Column[];
  template: string;
  onOpen: (id: string) => void;
  loadingLabel: string;
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
  // Size the list by the total so the scrollbar is honest; rows beyond the loaded pages are placeholders.
  const count = nextCursor ? Math.max(total, items.length + 1) : items.length;
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
    if (lastIndex >= items.length - 100 && nextCursor) void loadMore(entity);
  }, [lastIndex, items.length, nextCursor, entity, loadMore]);
  const loadingLabel = t('app.loading');
  return (
    <div ref={scrollRef} className="vscroll" data-testid="list-scroll">
      <div
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
        role={count > 0 ? 'rowgroup' : undefined}
      >
        {virtualItems.map((v) => (
          <ListRow
            key={items[v.index]?.id ?? `loading-${v.index}`}
            index={v.index}
            start={v.start}
            record={items[v.index]}
            columns={columns}
            template={template}
            onOpen={onOpen}
            loadingLabel={loadingLabel}
          />
        ))}
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
  const columns = useColumns(entity);
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
  const template = useMemo(() => columns.map((c) => c.width).join(' '), [columns]);
  const exportCsv = async () => {
    try {
      download(await call('export.csv', { entity }));
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  return (
    <div className="screen list-screen" data-screen={`list-${entity}`}>
      <div className="screen-head">
        <h1>{t(TITLES[entity])}</h1>
        <span className="muted" data-testid="list-count" aria-live="polite">
          {t('lists.count', { shown: formatNumber(list.items.length), total: formatNumber(list.total) })}
        </span>
        <div className="row push">
          <button type="button" onClick={() => void exportCsv()} data-testid="export">
            {t('lists.export')}
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
      <Filters entity={entity} />
      <CustomListTools entity={entity} />
      <div
        className="vtable"
        role="table"
        aria-label={t(TITLES[entity])}
        aria-rowcount={list.total + 1}
        data-testid="list"
      >
        <div className="vrow vhead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
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
        <ListBody entity={entity} columns={columns} template={template} onOpen={open} />
      </div>
    </div>
  );
}
