import { create } from 'zustand';
import { registerReset } from './reset';

export type EntityKind = 'account' | 'contact' | 'deal';

export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'list'; readonly entity: EntityKind }
  | { readonly name: 'record'; readonly entity: EntityKind; readonly id: string }
  | { readonly name: 'board' }
  | { readonly name: 'import' }
  | { readonly name: 'settings' }
  | { readonly name: 'sync' }
  | { readonly name: 'conflicts' };

interface UiState {
  route: Route;
  paletteOpen: boolean;
  quickLogOpen: boolean;
  /** Bumped after writes from overlays (quick log) so open screens reload. */
  dataVersion: number;
  bump: () => void;
  navigate: (route: Route) => void;
  setPalette: (open: boolean) => void;
  setQuickLog: (open: boolean) => void;
}

const initial = { route: { name: 'home' } as Route, paletteOpen: false, quickLogOpen: false, dataVersion: 0 };

/** Navigation and overlays. Routes can name records, so this resets on lock too. */
export const useUiStore = create<UiState>((set) => ({
  ...initial,
  bump: () => set((s) => ({ dataVersion: s.dataVersion + 1 })),
  navigate: (route) => set({ route, paletteOpen: false }),
  setPalette: (paletteOpen) => set({ paletteOpen }),
  setQuickLog: (quickLogOpen) => set({ quickLogOpen }),
}));

registerReset(() => useUiStore.setState(initial));
