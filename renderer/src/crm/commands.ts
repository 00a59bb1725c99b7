import type { TFunction } from 'i18next';
import type { PaletteItem } from '../components/Palette';
import { useSettingsStore } from '../settings.store';
import { useUiStore } from '../ui.store';
import { useVaultStore } from '../vault.store';
import { useSyncStore } from '../sync/sync.store';

/** The palette's commands: every navigation target and the global actions. */
export function paletteCommands(t: TFunction): PaletteItem[] {
  const ui = useUiStore.getState();
  const group = t('palette.commands');
  const update = (patch: Parameters<ReturnType<typeof useSettingsStore.getState>['update']>[0]) =>
    void useSettingsStore.getState().update(patch);
  return [
    {
      id: 'go-home',
      label: t('palette.goHome'),
      hint: 'Alt+1',
      group,
      run: () => ui.navigate({ name: 'home' }),
    },
    {
      id: 'go-accounts',
      label: t('palette.goAccounts'),
      hint: 'Alt+2',
      group,
      run: () => ui.navigate({ name: 'list', entity: 'account' }),
    },
    {
      id: 'go-contacts',
      label: t('palette.goContacts'),
      hint: 'Alt+3',
      group,
      run: () => ui.navigate({ name: 'list', entity: 'contact' }),
    },
    {
      id: 'go-deals',
      label: t('palette.goDeals'),
      hint: 'Alt+4',
      group,
      run: () => ui.navigate({ name: 'list', entity: 'deal' }),
    },
    {
      id: 'go-board',
      label: t('palette.goBoard'),
      hint: 'Alt+5',
      group,
      run: () => ui.navigate({ name: 'board' }),
    },
    {
      id: 'go-agenda',
      label: t('day.goAgenda'),
      hint: 'Alt+6',
      group,
      run: () => ui.navigate({ name: 'agenda' }),
    },
    { id: 'go-import', label: t('palette.goImport'), group, run: () => ui.navigate({ name: 'import' }) },
    {
      id: 'go-settings',
      label: t('palette.goSettings'),
      group,
      run: () => ui.navigate({ name: 'settings' }),
    },
    { id: 'go-sync', label: t('palette.goSync'), group, run: () => ui.navigate({ name: 'sync' }) },
    {
      id: 'go-conflicts',
      label: t('palette.goConflicts'),
      group,
      run: () => ui.navigate({ name: 'conflicts' }),
    },
    {
      id: 'sync-now',
      label: t('palette.syncNow'),
      group,
      run: () => void useSyncStore.getState().syncNow(),
    },
    { id: 'quick-log', label: t('palette.quickLog'), hint: 'Alt+L', group, run: () => ui.setQuickLog(true) },
    {
      id: 'lock',
      label: t('palette.lock'),
      hint: 'Ctrl+L',
      group,
      run: () => void useVaultStore.getState().lock(),
    },
    { id: 'lang-en', label: t('palette.toEnglish'), group, run: () => update({ language: 'en' }) },
    { id: 'lang-zh', label: t('palette.toChinese'), group, run: () => update({ language: 'zh-CN' }) },
    { id: 'theme-light', label: t('palette.themeLight'), group, run: () => update({ theme: 'light' }) },
    { id: 'theme-dark', label: t('palette.themeDark'), group, run: () => update({ theme: 'dark' }) },
    { id: 'theme-system', label: t('palette.themeSystem'), group, run: () => update({ theme: 'system' }) },
  ];
}
