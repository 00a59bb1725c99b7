import type { TFunction } from 'i18next';
import { create } from 'zustand';
import type { SavedView, SavedViewQuery } from '../../../shared/domain/crm.schemas';
import { customFilterSchema, type CustomFilter } from '../../../shared/domain/custom-fields';
import type { PrivateView } from '../../../shared/views/views.channels';
import { call } from '../api';
import { ownerLabel, scopeName, scopeOf, useMembersStore } from '../people/members.store';
import { registerReset } from '../reset';
import type { EntityKind } from '../ui.store';
import { clean, type ListQuery } from './crm.data';
import { useListsStore } from './lists.store';

/** A saved view as the lists show it: shared (a synced record) or private (this device only). */
export interface ViewItem {
  readonly id: string;
  readonly name: string;
  readonly list: EntityKind;
  readonly shared: boolean;
  readonly query: SavedViewQuery;
  readonly groupBy: string | null;
  readonly columns: readonly string[];
}

/** What a list shows besides its rows: the saved part of a view. */
export interface ViewShape {
  readonly name: string;
  readonly query: ListQuery;
  readonly groupBy: string | null;
  readonly columns: readonly string[];
}

const LISTS: readonly string[] = ['account', 'contact', 'deal'] satisfies EntityKind[];
const isListKind = (list: string): list is EntityKind => LISTS.includes(list);

function itemOf(view: SavedView | PrivateView, shared: boolean): ViewItem | null {
  if (!isListKind(view.list)) return null;
  const { id, name, query, groupBy, columns } = view;
  return { id, name, list: view.list, shared, query, groupBy, columns };
}

/** A saved query as the list runs it: custom conditions that no longer parse are dropped. */
export function listQueryOf(query: SavedViewQuery): ListQuery {
  const custom = (query.custom ?? []).flatMap((c): CustomFilter[] => {
    const parsed = customFilterSchema.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
  return { sort: query.sort, filter: query.filter, ...(custom.length > 0 ? { custom } : {}) };
}

const FILTER_LABELS: Readonly<Record<string, string>> = {
  scope: 'people.scope',
  ownerId: 'fields.ownerId',
  tag: 'fields.tags',
  stageId: 'fields.stageId',
  status: 'fields.status',
  accountId: 'fields.accountId',
  pipelineId: 'views.filterPipeline',
  expectedCloseAfter: 'views.filterCloseFrom',
  expectedCloseBefore: 'views.filterCloseBefore',
};

/** A list's filters (but `except`) as one line of text ("Owner: li · Close from: 2026-12-01"). */
export function filterSummary(
  filter: Readonly<Record<string, string>>,
  t: TFunction,
  except: readonly string[] = [],
): string {
  return Object.entries(clean(filter))
    .filter(([k]) => k !== 'pipelineId' && !except.includes(k))
    .map(([k, v]) =>
      t('views.filterItem', {
        label: FILTER_LABELS[k] ? t(FILTER_LABELS[k]) : k,
        value:
          k === 'status'
            ? t(`dealStatus.${v}`)
            : k === 'scope'
              ? scopeName(useMembersStore.getState().members, scopeOf(v), t)
              : k === 'ownerId'
                ? ownerLabel(useMembersStore.getState().members, v)
                : v,
      }),
    )
    .join(' · ');
}

function fieldsOf(list: EntityKind, shape: ViewShape) {
  const { sort, filter, custom } = shape.query;
  const query: SavedViewQuery = {
    sort,
    filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v.trim() !== '')),
    ...(custom && custom.length > 0 ? { custom: custom.map((c) => ({ ...c })) } : {}),
  };
  return { name: shape.name, list, query, groupBy: shape.groupBy, columns: [...shape.columns] };
}

/** The workspace's shared views, a page at a time (a list page holds at most 200). */
async function sharedViews(): Promise<SavedView[]> {
  const views: SavedView[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 10; n++) {
    const page: { items: SavedView[]; nextCursor: string | null } = await call('savedViews.list', {
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    views.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return views;
}

interface ViewsState {
  views: ViewItem[];
  loaded: boolean;
  /** The view each list shows now (null: none chosen). */
  active: Record<EntityKind, string | null>;
  load: () => Promise<void>;
  /** Saves the list's current shape as a new view; shared ones go through the one writer and sync. */
  create: (list: EntityKind, shape: ViewShape, shared: boolean) => Promise<ViewItem>;
  /** Writes a view's new name or shape. */
  update: (view: ViewItem, shape: ViewShape) => Promise<void>;
  remove: (view: ViewItem) => Promise<void>;
  /** Moves a view between private (this device) and shared (the workspace); it keeps its shape. */
  setShared: (view: ViewItem, shared: boolean) => Promise<ViewItem>;
  /** Shows a view in its list: its filters, sort, grouping and columns. */
  open: (view: ViewItem) => void;
  setActive: (list: EntityKind, id: string | null) => void;
}

const noneActive = (): Record<EntityKind, string | null> => ({ account: null, contact: null, deal: null });

/** Saved views of every list, shared and private, loaded together and sorted by name. */
export const useViewsStore = create<ViewsState>((set, get) => {
  const store = async (list: EntityKind, shape: ViewShape, shared: boolean): Promise<ViewItem> => {
    const fields = fieldsOf(list, shape);
    const saved = shared
      ? itemOf(await call('savedViews.create', fields), true)
      : itemOf(await call('privateViews.save', { view: fields }), false);
    if (!saved) throw new Error('unreachable: the list is a list kind');
    return saved;
  };
  return {
    views: [],
    loaded: false,
    active: noneActive(),
    load: async () => {
      const [shared, local] = await Promise.all([sharedViews(), call('privateViews.list', {})]);
      const views = [
        ...shared.flatMap((v) => itemOf(v, true) ?? []),
        ...local.flatMap((v) => itemOf(v, false) ?? []),
      ].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      set({ views, loaded: true });
    },
    create: async (list, shape, shared) => {
      const view = await store(list, shape, shared);
      set((s) => ({ active: { ...s.active, [list]: view.id } }));
      await get().load();
      return view;
    },
    update: async (view, shape) => {
      const fields = fieldsOf(view.list, shape);
      if (view.shared) {
        const { list: _list, ...patch } = fields;
        await call('savedViews.update', { id: view.id, patch });
      } else {
        await call('privateViews.save', { id: view.id, view: fields });
      }
      await get().load();
    },
    remove: async (view) => {
      await (view.shared
        ? call('savedViews.delete', { id: view.id })
        : call('privateViews.delete', { id: view.id }));
      set((s) => ({
        active: s.active[view.list] === view.id ? { ...s.active, [view.list]: null } : s.active,
      }));
      await get().load();
    },
    setShared: async (view, shared) => {
      const shape: ViewShape = { ...view, query: listQueryOf(view.query) };
      // The copy is written first, so a failure leaves the original in place.
      const copy = await store(view.list, shape, shared);
      await (view.shared
        ? call('savedViews.delete', { id: view.id })
        : call('privateViews.delete', { id: view.id }));
      set((s) => ({ active: { ...s.active, [view.list]: copy.id } }));
      await get().load();
      return copy;
    },
    open: (view) => {
      set((s) => ({ active: { ...s.active, [view.list]: view.id } }));
      useListsStore.getState().setView(view.list, {
        query: listQueryOf(view.query),
        groupBy: view.groupBy,
        columns: view.columns,
      });
    },
    setActive: (list, id) => set((s) => ({ active: { ...s.active, [list]: id } })),
  };
});

registerReset(() => useViewsStore.setState({ views: [], loaded: false, active: noneActive() }));
