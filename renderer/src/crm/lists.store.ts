import { create } from 'zustand';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { registerReset } from '../reset';
import type { EntityKind } from '../ui.store';
import { listPage, type AnyRecord, type ListQuery, type Page } from './crm.data';

export interface ListState {
  readonly query: ListQuery;
  /** The field rows are grouped by (of the loaded rows); null: not grouped. */
  readonly groupBy: string | null;
  /** Shown column keys in order; empty: the default columns. */
  readonly columns: readonly string[];
  readonly items: AnyRecord[];
  readonly total: number;
  readonly nextCursor: string | null;
  /** Damaged stored rows the loaded pages left out (main skips them instead of failing the page). */
  readonly skipped: number;
  readonly loading: boolean;
  readonly loaded: boolean;
  readonly error: ErrorInfo | null;
  /** Bumped on every reload so late pages of an older query are dropped. */
  readonly generation: number;
}

const defaultQueries: Record<EntityKind, ListQuery> = {
  account: { sort: { field: 'name', dir: 'asc' }, filter: {} },
  contact: { sort: { field: 'name', dir: 'asc' }, filter: {} },
  deal: { sort: { field: 'updatedAt', dir: 'desc' }, filter: {} },
};

function empty(entity: EntityKind): ListState {
  return {
    query: defaultQueries[entity],
    groupBy: null,
    columns: [],
    items: [],
    total: 0,
    nextCursor: null,
    skipped: 0,
    loading: false,
    loaded: false,
    error: null,
    generation: 0,
  };
}

interface ListsState {
  lists: Record<EntityKind, ListState>;
  setQuery: (entity: EntityKind, query: ListQuery) => void;
  /** Groups the list's rows by a field (null: no grouping). */
  setGroupBy: (entity: EntityKind, groupBy: string | null) => void;
  /** Chooses the shown columns (empty: the defaults). */
  setColumns: (entity: EntityKind, columns: readonly string[]) => void;
  /** Shows a saved view's query, grouping and columns (and reloads the rows). */
  setView: (
    entity: EntityKind,
    view: { query: ListQuery; groupBy: string | null; columns: readonly string[] },
  ) => void;
  reload: (entity: EntityKind) => Promise<void>;
  loadMore: (entity: EntityKind) => Promise<void>;
  /**
   * Reads the loaded rows again after records changed: as many as are loaded (at least a page, at
   * most REFRESH_MAX), keeping the old rows on screen until the new ones arrive.
   */
  refresh: (entity: EntityKind) => Promise<void>;
}

const PAGE_SIZE = 200;

/** The page's count of left-out damaged rows (every `*.list` answer carries one). */
function skippedOf(page: Page): number {
  return page.skipped;
}
/** Past this many loaded rows a refresh reads this many; scrolling further loads the rest again. */
const REFRESH_MAX = 1_000;

const initial = (): Record<EntityKind, ListState> => ({
  account: empty('account'),
  contact: empty('contact'),
  deal: empty('deal'),
});

/** Loaded list pages per entity (keyset pagination: pages arrive in order as the user scrolls). */
export const useListsStore = create<ListsState>((set, get) => {
  const patch = (entity: EntityKind, change: Partial<ListState>) =>
    set((s) => ({ lists: { ...s.lists, [entity]: { ...s.lists[entity], ...change } } }));

  const fetchPage = async (entity: EntityKind, fresh: boolean) => {
    const list = get().lists[entity];
    if (!fresh && (list.loading || list.nextCursor === null)) return;
    const generation = fresh ? list.generation + 1 : list.generation;
    patch(entity, { loading: true, generation, ...(fresh ? { error: null } : {}) });
    try {
      const page = await listPage(entity, list.query, fresh ? null : list.nextCursor, PAGE_SIZE);
      if (get().lists[entity].generation !== generation) return;
      const before = get().lists[entity];
      const items = fresh ? page.items : [...before.items, ...page.items];
      const skipped = (fresh ? 0 : before.skipped) + skippedOf(page);
      patch(entity, {
        items,
        total: page.total,
        nextCursor: page.nextCursor,
        skipped,
        loading: false,
        loaded: true,
      });
    } catch (error) {
      if (get().lists[entity].generation !== generation) return;
      patch(entity, { loading: false, loaded: true, error: errorInfo(error) });
    }
  };

  const refresh = async (entity: EntityKind) => {
    const list = get().lists[entity];
    const target = Math.min(Math.max(list.items.length, PAGE_SIZE), REFRESH_MAX);
    const generation = list.generation + 1;
    // `loading` holds back `loadMore`, whose page would follow a cursor of the old rows.
    patch(entity, { loading: true, generation });
    try {
      const items: AnyRecord[] = [];
      let cursor: string | null = null;
      let total = list.total;
      let skipped = 0;
      do {
        const page = await listPage(entity, list.query, cursor, PAGE_SIZE);
        if (get().lists[entity].generation !== generation) return;
        items.push(...page.items);
        cursor = page.nextCursor;
        total = page.total;
        skipped += skippedOf(page);
      } while (cursor !== null && items.length < target);
      patch(entity, { items, total, nextCursor: cursor, skipped, loading: false, loaded: true, error: null });
    } catch (error) {
      if (get().lists[entity].generation !== generation) return;
      patch(entity, { loading: false, error: errorInfo(error) });
    }
  };

  return {
    lists: initial(),
    setQuery: (entity, query) => {
      patch(entity, { query });
      void fetchPage(entity, true);
    },
    setGroupBy: (entity, groupBy) => patch(entity, { groupBy }),
    setColumns: (entity, columns) => patch(entity, { columns }),
    setView: (entity, view) => {
      patch(entity, { query: view.query, groupBy: view.groupBy, columns: view.columns });
      void fetchPage(entity, true);
    },
    reload: (entity) => fetchPage(entity, true),
    loadMore: (entity) => fetchPage(entity, false),
    refresh,
  };
});

registerReset(() => useListsStore.setState({ lists: initial() }));
