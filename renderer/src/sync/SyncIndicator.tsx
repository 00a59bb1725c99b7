import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { errorKey } from '../errors';
import { formatNumber, formatRelative } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';

/** The current time, refreshed every `ms` so relative times ("2 minutes ago") stay true. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** One line describing the sync state, shared by the status bar and the sync screen. */
export function useSyncSummary(status: SyncStatus | null): string {
  const { t } = useTranslation();
  const now = useNow(status?.state === 'offline' ? 1_000 : 15_000);
  if (!status) return t('sync.state.loading');
  switch (status.state) {
    case 'not_configured':
      return t('sync.state.notConfigured');
    case 'offline': {
      const line =
        status.nextRetryAt && new Date(status.nextRetryAt).getTime() > now
          ? t('sync.state.offlineRetry', { time: formatRelative(status.nextRetryAt, now) })
          : t('sync.state.offline');
      return status.pending > 0 ? `${line} · ${t('sync.state.pending', { count: status.pending })}` : line;
    }
    case 'syncing': {
      const p = status.progress;
      if (!p) return t('sync.state.syncing');
      const phase = t(`sync.phase.${p.phase}`);
      return p.total !== null && p.total > 0
        ? t('sync.state.syncingProgress', {
            phase,
            done: formatNumber(Math.min(p.done, p.total)),
            total: formatNumber(p.total),
          })
        : t('sync.state.syncingPhase', { phase });
    }
    case 'idle': {
      const when = status.lastSyncAt
        ? t('sync.state.idleAt', { time: formatRelative(status.lastSyncAt, now, true) })
        : t('sync.state.idle');
      return status.pending > 0
        ? `${when} · ${t('sync.state.pending', { count: status.pending })}`
        : `${when} · ${t('sync.state.upToDate')}`;
    }
    case 'error':
      return t('sync.state.error', {
        message: status.error ? t(errorKey(status.error.code)) : t('errors.INTERNAL'),
      });
    case 'locked_out':
      return status.pending > 0
        ? `${t('sync.state.lockedOut')} · ${t('sync.state.pending', { count: status.pending })}`
        : t('sync.state.lockedOut');
  }
}

/** A progress bar for a sync in progress with a known total (always shown for the initial sync). */
export function SyncProgress(props: { status: SyncStatus | null; className?: string }) {
  const { t } = useTranslation();
  const p = props.status?.state === 'syncing' ? props.status.progress : null;
  if (!p || p.total === null || p.total === 0) return null;
  return (
    <progress
      className={props.className ?? 'progress'}
      max={p.total}
      value={Math.min(p.done, p.total)}
      aria-label={t(`sync.phase.${p.phase}`)}
      data-testid="sync-progress"
    />
  );
}

/** The status bar's sync slot: live state, a conflict count, and a way into the sync screen. */
export function SyncIndicator() {
  const { t } = useTranslation();
  const status = useSyncStore((s) => s.status);
  const conflicts = useSyncStore((s) => s.conflicts);
  const navigate = useUiStore((s) => s.navigate);
  const summary = useSyncSummary(status);
  const state = status?.state ?? 'loading';
  const open = conflicts?.length ?? 0;
  return (
    <span className="sync-slot">
      <button
        type="button"
        className={`statusbar-button sync-${state}`}
        onClick={() => navigate({ name: 'sync' })}
        data-testid="sync-state"
        data-state={state}
        data-pending={status?.pending ?? 0}
      >
        <span aria-hidden="true" className="sync-dot" />
        <span className="sr-only">{t('sync.title')}: </span>
        {summary}
      </button>
      <SyncProgress status={status} className="progress statusbar-progress" />
      {open > 0 && (
        <button
          type="button"
          className="statusbar-button conflict-count"
          onClick={() => navigate({ name: 'conflicts' })}
          data-testid="status-conflicts"
        >
          {t('conflicts.count', { count: open })}
        </button>
      )}
    </span>
  );
}
