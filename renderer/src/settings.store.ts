import { create } from 'zustand';
import type { ErrorInfo } from '../../shared/errors';
import { defaultSettings, type Settings, type Theme } from '../../shared/ipc/channels/settings.channels';
import { api, call, errorInfo } from './api';
import { setLanguage } from './i18n/i18n';

interface SettingsState {
  settings: Settings;
  loaded: boolean;
  error: ErrorInfo | null;
  load: () => Promise<void>;
  update: (patch: Partial<Settings>) => Promise<boolean>;
}

/** Applies the theme as a data attribute; CSS variables do the rest (CSP forbids inline styles). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

async function apply(settings: Settings): Promise<void> {
  applyTheme(settings.theme);
  await setLanguage(settings.language);
}

/** Preferences are not customer data and are readable while locked, so this store is not reset on lock. */
export const useSettingsStore = create<SettingsState>((set, get) => ({
  settings: defaultSettings,
  loaded: false,
  error: null,
  load: async () => {
    try {
      const settings = await call('settings.get');
      await apply(settings);
      set({ settings, loaded: true, error: null });
    } catch (error) {
      await apply(get().settings);
      set({ loaded: true, error: errorInfo(error) });
    }
  },
  update: async (patch) => {
    try {
      const settings = await call('settings.update', patch);
      await apply(settings);
      set({ settings, error: null });
      return true;
    } catch (error) {
      set({ error: errorInfo(error) });
      return false;
    }
  },
}));

/** Follows changes pushed by main (another window, IT policy). */
export function subscribeSettings(): () => void {
  return api.on('settings.changed', (settings) => {
    void apply(settings).then(() => useSettingsStore.setState({ settings }));
  });
}
