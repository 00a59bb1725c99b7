import { create } from 'zustand';
import type { AppInfo } from '../../shared/ipc/channels/app.channels';
import { api } from './api';

interface AppState {
  info: AppInfo | null;
  error: string | null;
  load: () => Promise<void>;
}

export const useAppStore = create<AppState>((set) => ({
  info: null,
  error: null,
  load: async () => {
    const result = await api.invoke('app.info');
    if (result.ok) set({ info: result.value, error: null });
    else set({ error: result.error.message });
  },
}));
