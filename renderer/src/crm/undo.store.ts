import { create } from 'zustand';
import { registerReset } from '../reset';

/** The one action that can still be undone, shown as a toast until it is undone or replaced. */
export interface Undoable {
  readonly id: number;
  /** Already translated. */
  readonly message: string;
  readonly undo: () => Promise<unknown>;
}

interface UndoState {
  current: Undoable | null;
  offer: (message: string, undo: () => Promise<unknown>) => void;
  dismiss: () => void;
}

let next = 1;

/** "Deleted · Undo": a delete offers its restore here (records.restore). Resets on lock. */
export const useUndoStore = create<UndoState>((set) => ({
  current: null,
  offer: (message, undo) => set({ current: { id: next++, message, undo } }),
  dismiss: () => set({ current: null }),
}));

registerReset(() => useUndoStore.setState({ current: null }));
