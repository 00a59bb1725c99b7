import { create } from 'zustand';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { registerReset } from '../reset';
import type { EntityKind } from '../ui.store';
import { listPage, type AnyRecord, type ListQuery } from './crm.data';

export interface ListState {
  readonly query: ListQuery;
  readonly items: AnyRecord[];
  readonly total: number;
  readonly nextCursor: string | null;
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
    items: [],
    total: 0,
    nextCursor: null,
    loading: false,
    loaded: false,
    error: null,
    generation: 0,
  };
}

interface ListsState {
  lists: Record<EntityKind, ListState>;
  setQuery: (entity: EntityKind, query: ListQuery) => void;
  reload: (entity: EntityKind) => Promise<void>;
  loadMore: (entity: EntityKind) => Promise<void>;
}

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
      const page = await listPage(entity, list.query, fresh ? null : list.nextCursor);
      if (get().lists[entity].generation !== generation) return;
      const items = fresh ? page.items : [...get().lists[entity].items, ...page.items];
      patch(entity, { items, total: page.total, nextCursor: page.nextCursor, loading: false, loaded: true });
    } catch (error) {
      if (get().lists[entity].generation !== generation) return;
      patch(entity, { loading: false, loaded: true, error: errorInfo(error) });
    }
  };

  return {
    lists: initial(),
    setQuery: (entity, query) => {
      patch(entity, { query });
      void fetchPage(entity, true);
    },
    reload: (entity) => fetchPage(entity, true),
    loadMore: (entity) => fetchPage(entity, false),
  };
});

registerReset(() => useListsStore.setState({ lists: initial() }));
