import { create } from 'zustand';
import type { ErrorInfo } from '../../../shared/errors';
import type { Conflict, SyncDevice, SyncStatus } from '../../../shared/sync/sync.contract';
import { api, call, errorInfo } from '../api';
import { useMembersStore } from '../people/members.store';
import { registerReset } from '../reset';

interface SyncUiState {
  /** Null until the first `sync.status` answer (or while locked). */
  status: SyncStatus | null;
  /** Unresolved conflicts; null until loaded. */
  conflicts: Conflict[] | null;
  /** Members as the verified membership log describes them; null until loaded. */
  members: SyncDevice[] | null;
  busy: boolean;
  error: ErrorInfo | null;
  /** Reads the status and the conflicts (on start and after unlock). */
  load: () => Promise<void>;
  loadConflicts: () => Promise<void>;
  loadMembers: () => Promise<void>;
  syncNow: () => Promise<void>;
  /** The guided re-sync after a gap or a server rollback. */
  resync: () => Promise<void>;
  clearError: () => void;
}

const initial = { status: null, conflicts: null, members: null, busy: false, error: null };

/**
 * Sync status (live from `sync.statusChanged`) and the open conflicts. Conflicts carry customer
 * values, so the store resets on lock like every other store holding data.
 */
export const useSyncStore = create<SyncUiState>((set, get) => ({
  ...initial,
  load: async () => {
    try {
      set({ status: await call('sync.status') });
    } catch (error) {
      set({ error: errorInfo(error) });
    }
    await get().loadConflicts();
    if (get().status?.workspaceId) await get().loadMembers();
  },
  loadMembers: async () => {
    try {
      set({ members: await call('devices.list') });
    } catch (error) {
      set({ error: errorInfo(error) });
    }
  },
  loadConflicts: async () => {
    try {
      set({ conflicts: await call('conflicts.list') });
    } catch (error) {
      set({ error: errorInfo(error) });
    }
  },
  syncNow: async () => {
    set({ busy: true, error: null });
    try {
      set({ status: await call('sync.now') });
    } catch (error) {
      set({ error: errorInfo(error) });
    } finally {
      set({ busy: false });
    }
    await get().loadConflicts();
  },
  resync: async () => {
    set({ busy: true, error: null });
    try {
      set({ status: await call('sync.resync') });
    } catch (error) {
      set({ error: errorInfo(error) });
    } finally {
      set({ busy: false });
    }
    await get().loadConflicts();
  },
  clearError: () => set({ error: null }),
}));

registerReset(() => useSyncStore.setState(initial));

/**
 * Follows `sync.statusChanged`. When a sync cycle ends (the state leaves `syncing`), conflicts are
 * read again: a pull may have produced new ones; so are the members once read, since a pull may
 * bring membership entries (a member who joined shows by name, not id), as does joining or
 * leaving a workspace. Pulled records reach open screens through `records.changed`
 * (crm/records.events.ts), not through the status.
 */
export function subscribeSync(): () => void {
  return api.on('sync.statusChanged', (status) => {
    const before = useSyncStore.getState().status;
    useSyncStore.setState({ status });
    const cycleEnded = before?.state === 'syncing' && status.state !== 'syncing';
    if (cycleEnded) void useSyncStore.getState().loadConflicts();
    const workspaceChanged = before !== null && before.workspaceId !== status.workspaceId;
    if ((cycleEnded || workspaceChanged) && useMembersStore.getState().loaded)
      void useMembersStore
        .getState()
        .load()
        .catch(() => undefined);
  });
}
