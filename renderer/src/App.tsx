import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AgendaScreen } from './agenda/AgendaScreen';
import { DashboardScreen } from './reports/DashboardScreen';
import { Shell } from './components/Shell';
import { FirstRun } from './screens/FirstRun';
import { Home } from './screens/Home';
import { SettingsScreen } from './screens/Settings';
import { SecurityLogScreen } from './security/SecurityLogScreen';
import { Unlock } from './screens/Unlock';
import { subscribeSettings, useSettingsStore } from './settings.store';
import { useFocusRescue } from './focus';
import { useUiStore, type Route } from './ui.store';
import { subscribeVault, useVaultStore } from './vault.store';
import { crmScreen, CrmOverlays } from './crm/crm.screens';
import { ConflictsScreen } from './sync/ConflictsScreen';
import { subscribeRecords } from './crm/records.events';
import { usePipelinesStore } from './crm/pipelines.store';
import { subscribeSync, useSyncStore } from './sync/sync.store';
import { SyncScreen } from './sync/SyncScreen';

function screenFor(route: Route): ReactNode {
  switch (route.name) {
    case 'home':
      return <Home />;
    case 'settings':
      return <SettingsScreen />;
    case 'sync':
      return <SyncScreen />;
    case 'conflicts':
      return <ConflictsScreen />;
    case 'agenda':
      return <AgendaScreen />;
    case 'dashboard':
      return <DashboardScreen />;
    case 'security-log':
      return <SecurityLogScreen />;
    default:
      return crmScreen(route);
  }
}

/** The application root: the vault gate (first run, lock screen) in front of the app frame. */
export function App() {
  const { t } = useTranslation();
  const phase = useVaultStore((s) => s.phase);
  const onboarding = useVaultStore((s) => s.onboarding);
  const settingsLoaded = useSettingsStore((s) => s.loaded);
  const route = useUiStore((s) => s.route);
  useFocusRescue();

  useEffect(() => {
    const offSettings = subscribeSettings();
    const offVault = subscribeVault();
    const offSync = subscribeSync();
    const offRecords = subscribeRecords();
    void useSettingsStore.getState().load();
    void useVaultStore.getState().refresh();
    return () => {
      offSettings();
      offVault();
      offSync();
      offRecords();
    };
  }, []);

  // The status bar needs the sync status (and conflict count) as soon as the vault opens.
  useEffect(() => {
    if (phase === 'unlocked') void useSyncStore.getState().load();
  }, [phase]);
  // Stage names are used by lists, record pages and the board: read once the vault opens (a failed
  // read is left to the screen that needs them, which reads again and says why).
  useEffect(() => {
    if (phase === 'unlocked')
      void usePipelinesStore
        .getState()
        .preload()
        .catch(() => undefined);
  }, [phase]);

  if (phase === 'loading' || !settingsLoaded) {
    return (
      <main className="centered" id="main" aria-busy="true">
        <p>{t('app.loading')}</p>
      </main>
    );
  }
  if (phase === 'not_set_up' || onboarding) return <FirstRun />;
  if (phase === 'locked') return <Unlock />;
  return <Shell overlays={<CrmOverlays />}>{screenFor(route)}</Shell>;
}
