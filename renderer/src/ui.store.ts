import { create } from 'zustand';
import { registerReset } from './reset';

export type EntityKind = 'account' | 'contact' | 'deal';

export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'list'; readonly entity: EntityKind }
  | { readonly name: 'record'; readonly entity: EntityKind; readonly id: string }
  | { readonly name: 'board' }
  | { readonly name: 'agenda' }
  | { readonly name: 'dashboard' }
  | { readonly name: 'import' }
  | { readonly name: 'settings' }
  | { readonly name: 'sync' }
  | { readonly name: 'conflicts' }
  | { readonly name: 'security-log' };

interface UiState {
  route: Route;
  paletteOpen: boolean;
  quickLogOpen: boolean;
  navigate: (route: Route) => void;
  setPalette: (open: boolean) => void;
  setQuickLog: (open: boolean) => void;
}

const initial = { route: { name: 'home' } as Route, paletteOpen: false, quickLogOpen: false };

/** Navigation and overlays. Routes can name records, so this resets on lock too. */
export const useUiStore = create<UiState>((set) => ({
  ...initial,
  navigate: (route) => set({ route, paletteOpen: false }),
  setPalette: (paletteOpen) => set({ paletteOpen }),
  setQuickLog: (quickLogOpen) => set({ quickLogOpen }),
}));

registerReset(() => useUiStore.setState(initial));
