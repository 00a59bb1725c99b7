import { useMemo, useRef, useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon';
import { AuditStatus } from '../security/AuditStatus';
import { useSettingsStore } from '../settings.store';
import { useShortcuts, useIdle, type Shortcut } from '../shortcuts';
import { useUiStore, type Route } from '../ui.store';
import { useVaultStore } from '../vault.store';
import { useSyncStore } from '../sync/sync.store';
import { SyncIndicator } from '../sync/SyncIndicator';
import { RestoreNotice } from '../backups/RestoreNotice';
import { ViewsNav } from '../crm/ViewsNav';

interface NavItem {
  readonly route: Route;
  readonly label: string;
  readonly icon: string;
  /** A count shown after the label (open conflicts). */
  readonly badge?: number;
}

function sameSection(a: Route, b: Route): boolean {
  if (a.name === 'record' && b.name === 'list') return a.entity === b.entity;
  if (a.name === 'list' && b.name === 'list') return a.entity === b.entity;
  return a.name === b.name;
}

function StatusBar() {
  const { t } = useTranslation();
  const phase = useVaultStore((s) => s.phase);
  return (
    <footer className="statusbar" aria-label={t('status.label')}>
      <span data-testid="vault-state">
        <Icon name={phase === 'unlocked' ? 'unlock' : 'lock'} />{' '}
        {phase === 'unlocked' ? t('status.vaultUnlocked') : t('status.vaultLocked')}
      </span>
      <SyncIndicator />
      <AuditStatus />
      <span className="shortcuts-hint">{t('status.shortcuts')}</span>
    </footer>
  );
}

/** The unlocked app frame: sidebar navigation, the current screen, overlays and the status bar. */
export function Shell(props: { children: ReactNode; overlays: ReactNode }) {
  const { t } = useTranslation();
  const route = useUiStore((s) => s.route);
  const navigate = useUiStore((s) => s.navigate);
  const setPalette = useUiStore((s) => s.setPalette);
  const setQuickLog = useUiStore((s) => s.setQuickLog);
  const lock = useVaultStore((s) => s.lock);
  const lockMinutes = useSettingsStore((s) => s.settings.lockTimeoutMinutes);
  const mainRef = useRef<HTMLElement>(null);
  const conflictCount = useSyncStore((s) => s.conflicts?.length ?? 0);

  const nav: NavItem[] = [
    { route: { name: 'home' }, label: t('nav.home'), icon: '⌂' },
    { route: { name: 'list', entity: 'account' }, label: t('nav.accounts'), icon: '▦' },
    { route: { name: 'list', entity: 'contact' }, label: t('nav.contacts'), icon: '☺' },
    { route: { name: 'list', entity: 'deal' }, label: t('nav.deals'), icon: '◈' },
    { route: { name: 'board' }, label: t('nav.board'), icon: '▥' },
    { route: { name: 'agenda' }, label: t('day.navAgenda'), icon: '▤' },
    { route: { name: 'dashboard' }, label: t('nav.dashboard'), icon: '◔' },
    { route: { name: 'import' }, label: t('nav.import'), icon: '⇪' },
    { route: { name: 'sync' }, label: t('nav.sync'), icon: '⇅' },
    { route: { name: 'conflicts' }, label: t('nav.conflicts'), icon: '⚠', badge: conflictCount },
    { route: { name: 'settings' }, label: t('nav.settings'), icon: '⚙' },
  ];

  const shortcuts = useMemo<Shortcut[]>(
    () => [
      { key: 'k', mod: true, run: () => setPalette(true) },
      { key: 'l', mod: true, run: () => void lock() },
      { key: 'l', alt: true, run: () => setQuickLog(true) },
      { key: '1', alt: true, run: () => navigate({ name: 'home' }) },
      { key: '2', alt: true, run: () => navigate({ name: 'list', entity: 'account' }) },
      { key: '3', alt: true, run: () => navigate({ name: 'list', entity: 'contact' }) },
      { key: '4', alt: true, run: () => navigate({ name: 'list', entity: 'deal' }) },
      { key: '5', alt: true, run: () => navigate({ name: 'board' }) },
      { key: '6', alt: true, run: () => navigate({ name: 'agenda' }) },
      { key: '7', alt: true, run: () => navigate({ name: 'dashboard' }) },
    ],
    [setPalette, lock, setQuickLog, navigate],
  );
  useShortcuts(shortcuts);
  const idleLock = useMemo(() => () => void lock(), [lock]);
  useIdle(lockMinutes, idleLock);

  // Move focus to the new screen's heading so keyboard and screen-reader users follow navigation.
  useEffect(() => {
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [route]);

  return (
    <div className="frame">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <div className="brand">{t('app.name')}</div>
        <ul>
          {nav.map((item) => {
            const current = sameSection(route, item.route);
            return (
              <li key={item.label}>
                <button
                  type="button"
                  className={current ? 'nav-item current' : 'nav-item'}
                  aria-current={current ? 'page' : undefined}
                  onClick={() => navigate(item.route)}
                  data-nav={item.route.name === 'list' ? item.route.entity : item.route.name}
                >
                  <span aria-hidden="true" className="nav-icon">
                    {item.icon}
                  </span>
                  {item.label}
                  {item.badge ? (
                    <span className="nav-badge" data-testid={`nav-badge-${item.route.name}`}>
                      {item.badge}
                    </span>
                  ) : null}
                </button>
              </li>
            );
          })}
        </ul>
        <ViewsNav />
        <div className="sidebar-actions" role="group" aria-label={t('nav.menu')}>
          <button
            type="button"
            className="nav-item"
            onClick={() => setPalette(true)}
            data-testid="open-palette"
          >
            <span className="nav-icon">
              <Icon name="search" />
            </span>
            {t('nav.search')}
          </button>
          <button
            type="button"
            className="nav-item"
            onClick={() => setQuickLog(true)}
            data-testid="open-quicklog"
          >
            <span className="nav-icon">
              <Icon name="pen" />
            </span>
            {t('nav.quickLog')}
          </button>
          <button type="button" className="nav-item" onClick={() => void lock()} data-testid="lock">
            <span className="nav-icon">
              <Icon name="lock" />
            </span>
            {t('nav.lock')}
          </button>
        </div>
      </nav>
      <main className="content" id="main" ref={mainRef}>
        {props.children}
      </main>
      <StatusBar />
      <RestoreNotice />
      {props.overlays}
    </div>
  );
}
