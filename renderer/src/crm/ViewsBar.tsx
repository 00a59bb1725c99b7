import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { useSubmitOnce } from '../submit';
import { useReturnFocus } from '../focus';
import type { EntityKind } from '../ui.store';
import type { Column } from './list.columns';
import { GROUP_FIELDS } from './list.groups';
import { useListsStore } from './lists.store';
import { useRecordsChanged } from './records.events';
import { filterSummary, listQueryOf, useViewsStore, type ViewItem } from './views.store';

/** Filters the list's filter form shows itself. */
const FORM_FILTERS: readonly string[] = ['ownerId', 'tag', 'stageId', 'status'];

type Editing = { mode: 'new' } | { mode: 'rename'; view: ViewItem } | null;

/** The name form of "save as" and "rename". */
function NameForm(props: {
  initial: string;
  withShare: boolean;
  onSubmit: (name: string, shared: boolean) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState(props.initial);
  const [shared, setShared] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() !== '') props.onSubmit(name.trim(), shared);
  };
  return (
    <form className="row view-form" onSubmit={submit} data-testid="view-form">
      <div className="field compact">
        <label htmlFor={`${id}-name`}>{t('views.name')}</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          data-testid="view-name"
          autoFocus
        />
      </div>
      {props.withShare && (
        <label className="check">
          <input
            type="checkbox"
            checked={shared}
            onChange={(e) => setShared(e.target.checked)}
            data-testid="view-share"
          />
          {t('views.shareWithWorkspace')}
        </label>
      )}
      <button type="submit" data-testid="view-save">
        {t('views.save')}
      </button>
      <button type="button" className="link" onClick={props.onCancel}>
        {t('views.cancel')}
      </button>
    </form>
  );
}

/**
 * Saved views of a list (choose, save, rename, delete, share or keep private), its grouping, its
 * columns and its print button.
 */
export function ViewsBar(props: {
  entity: EntityKind;
  allColumns: readonly Column[];
  onPrint: () => void;
  onError: (error: ErrorInfo) => void;
}) {
  const { entity, allColumns, onError } = props;
  const { t } = useTranslation();
  const id = useId();
  const list = useListsStore((s) => s.lists[entity]);
  const { setGroupBy, setColumns } = useListsStore.getState();
  const views = useViewsStore((s) => s.views).filter((v) => v.list === entity);
  const activeId = useViewsStore((s) => s.active[entity]);
  const active = views.find((v) => v.id === activeId) ?? null;
  const [editing, setEditing] = useState<Editing>(null);
  // Deleting a view, or taking a shared one away from the team, asks once more.
  const [confirm, setConfirm] = useState<'delete' | 'private' | null>(null);
  const viewSelect = useRef<HTMLSelectElement>(null);
  // Stepping back from a confirmation returns focus to the button that asked for it.
  const [deleteButton, deleteClosing] = useReturnFocus<HTMLButtonElement>(confirm === 'delete');
  const [shareButton, shareClosing] = useReturnFocus<HTMLButtonElement>(confirm === 'private');

  useEffect(() => {
    void useViewsStore
      .getState()
      .load()
      .catch((e: unknown) => onError(errorInfo(e)));
  }, [onError]);
  useRecordsChanged((change) => (change.has('savedView') ? useViewsStore.getState().load() : undefined));

  // One at a time: a double click on Save must not make the view twice.
  const [, once] = useSubmitOnce();
  // `refocus`: the button the user acted with is gone afterwards (a form, a confirmation, a deleted
  // view's buttons), so focus goes to the view picker instead of falling to <body>.
  const run = (work: () => Promise<unknown>, refocus = false) =>
    void once(async () => {
      try {
        await work();
        setEditing(null);
        setConfirm(null);
        if (refocus) viewSelect.current?.focus();
      } catch (e) {
        onError(errorInfo(e));
      }
    });
  const shape = (name: string) => ({
    name,
    query: list.query,
    groupBy: list.groupBy,
    columns: list.columns,
  });
  const store = useViewsStore.getState();
  const choose = (viewId: string) => {
    const view = views.find((v) => v.id === viewId);
    setConfirm(null);
    if (view) store.open(view);
    else store.setActive(entity, null);
  };
  // The filters the filter form does not show (a drill-down's close dates, an account).
  const summary = filterSummary(list.query.filter, t, FORM_FILTERS);
  const shown = list.columns.length > 0 ? list.columns : allColumns.map((c) => c.key);
  const toggleColumn = (key: string) => {
    const next = shown.includes(key) ? shown.filter((k) => k !== key) : [...shown, key];
    // Keep the list's own column order; never hide every column.
    const ordered = allColumns.map((c) => c.key).filter((k) => next.includes(k));
    if (ordered.length > 0) setColumns(entity, ordered.length === allColumns.length ? [] : ordered);
  };

  return (
    <div className="views-bar" data-testid="views-bar">
      <div className="row">
        <div className="field compact">
          <label htmlFor={`${id}-view`}>{t('views.view')}</label>
          <select
            ref={viewSelect}
            id={`${id}-view`}
            value={active?.id ?? ''}
            onChange={(e) => choose(e.target.value)}
            data-testid="view-select"
          >
            <option value="">{t('views.none')}</option>
            {views.some((v) => v.shared) && (
              <optgroup label={t('views.shared')}>
                {views
                  .filter((v) => v.shared)
                  .map((v) => (
                    <option key={v.id} value={v.id}>
                      {v.name}
                    </option>
                  ))}
              </optgroup>
            )}
            {views.some((v) => !v.shared) && (
              <optgroup label={t('views.private')}>
                {views
                  .filter((v) => !v.shared)
                  .map((v) => (
                    <option key={v.id} value={v.id}>
                      {v.name}
                    </option>
                  ))}
              </optgroup>
            )}
          </select>
        </div>
        {active && (
          <span className="muted view-scope" data-testid="view-scope">
            {active.shared ? t('views.sharedNote') : t('views.privateNote')}
          </span>
        )}
        <div className="field compact">
          <label htmlFor={`${id}-group`}>{t('views.groupBy')}</label>
          <select
            id={`${id}-group`}
            value={list.groupBy ?? ''}
            onChange={(e) => setGroupBy(entity, e.target.value === '' ? null : e.target.value)}
            data-testid="group-by"
          >
            <option value="">{t('views.noGrouping')}</option>
            {GROUP_FIELDS[entity].map((f) => (
              <option key={f} value={f}>
                {t(`fields.${f}` as 'fields.ownerId')}
              </option>
            ))}
          </select>
        </div>
        <details className="columns-chooser" data-testid="columns-chooser">
          <summary>{t('views.columns')}</summary>
          <fieldset>
            <legend className="sr-only">{t('views.columns')}</legend>
            {allColumns.map((c) => (
              <label key={c.key} className="check">
                <input
                  type="checkbox"
                  checked={shown.includes(c.key)}
                  onChange={() => toggleColumn(c.key)}
                  data-column={c.key}
                />
                {c.label}
              </label>
            ))}
          </fieldset>
        </details>
        <div className="row push">
          <button type="button" onClick={() => setEditing({ mode: 'new' })} data-testid="view-new">
            {t('views.saveAs')}
          </button>
          {active && (
            <>
              <button
                type="button"
                onClick={() => run(() => store.update(active, shape(active.name)))}
                data-testid="view-update"
              >
                {t('views.saveChanges')}
              </button>
              <button
                type="button"
                onClick={() => setEditing({ mode: 'rename', view: active })}
                data-testid="view-rename"
              >
                {t('views.rename')}
              </button>
              <button
                ref={shareButton}
                type="button"
                onClick={() =>
                  active.shared ? setConfirm('private') : run(() => store.setShared(active, true))
                }
                data-testid="view-toggle-share"
              >
                {active.shared ? t('views.makePrivate') : t('views.share')}
              </button>
              {confirm === 'delete' ? (
                <button
                  type="button"
                  className="danger"
                  autoFocus
                  onClick={() => run(() => store.remove(active), true)}
                  onKeyDown={(e) => {
                    if (e.key !== 'Escape') return;
                    deleteClosing();
                    setConfirm(null);
                  }}
                  data-testid="view-delete-confirm"
                >
                  {active.shared ? t('views.confirmDeleteShared') : t('views.confirmDelete')}
                </button>
              ) : (
                <button
                  ref={deleteButton}
                  type="button"
                  onClick={() => setConfirm('delete')}
                  data-testid="view-delete"
                >
                  {t('views.delete')}
                </button>
              )}
            </>
          )}
          <button type="button" onClick={props.onPrint} data-testid="print">
            {t('views.print')}
          </button>
        </div>
      </div>
      {confirm === 'private' && active?.shared && (
        <div className="notice row" role="group" aria-label={t('views.makePrivate')}>
          <span>{t('views.privateWarning', { name: active.name })}</span>
          <button
            type="button"
            className="danger"
            autoFocus
            onClick={() => run(() => store.setShared(active, false), true)}
            data-testid="view-private-confirm"
          >
            {t('views.makePrivate')}
          </button>
          <button
            type="button"
            onClick={() => {
              shareClosing();
              setConfirm(null);
            }}
            data-testid="view-private-cancel"
          >
            {t('record.cancel')}
          </button>
        </div>
      )}
      {summary !== '' && (
        <p className="muted row view-filters" data-testid="view-filters">
          {t('views.filteredBy', { filters: summary })}
          <button
            type="button"
            className="link"
            onClick={() =>
              useListsStore.getState().setQuery(entity, { ...list.query, filter: {}, custom: [] })
            }
          >
            {t('views.clearFilters')}
          </button>
        </p>
      )}
      {editing && (
        <NameForm
          key={editing.mode === 'rename' ? editing.view.id : 'new'}
          initial={editing.mode === 'rename' ? editing.view.name : ''}
          withShare={editing.mode === 'new'}
          onCancel={() => setEditing(null)}
          onSubmit={(name, shared) =>
            run(
              () =>
                editing.mode === 'new'
                  ? store.create(entity, shape(name), shared)
                  : store.update(editing.view, {
                      ...shape(name),
                      query: listQueryOf(editing.view.query),
                      groupBy: editing.view.groupBy,
                      columns: editing.view.columns,
                    }),
              true,
            )
          }
        />
      )}
    </div>
  );
}
