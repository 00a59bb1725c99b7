import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';

/**
 * What sync cannot fix alone, with what to do: a server that refuses this device without a signed
 * revocation (data and unsynced edits kept: export them or retry), and a log with a gap or moved
 * backwards (a guided re-sync that loses nothing local).
 */
export function TrustNotice(props: { status: SyncStatus }) {
  const { t } = useTranslation();
  const busy = useSyncStore((s) => s.busy);
  const navigate = useUiStore((s) => s.navigate);
  const { status } = props;
  const integrity = status.integrity;
  return (
    <>
      {status.state === 'locked_out' && (
        <section
          className="panel warning"
          role="alert"
          aria-labelledby="sync-locked-title"
          data-testid="sync-locked-out"
        >
          <h2 id="sync-locked-title">{t('sync.lockedOutTitle')}</h2>
          <p>{t('sync.lockedOutBody', { count: status.pending })}</p>
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void useSyncStore.getState().syncNow()}
            >
              {t('sync.retry')}
            </button>
            <button type="button" onClick={() => navigate({ name: 'list', entity: 'contact' })}>
              {t('sync.lockedOutExport')}
            </button>
          </div>
        </section>
      )}
      {integrity.state !== 'ok' && (
        <section
          className="panel warning"
          role="alert"
          aria-labelledby="sync-gap-title"
          data-testid="sync-integrity"
          data-integrity={integrity.state}
        >
          <h2 id="sync-gap-title">
            {integrity.state === 'rollback' ? t('sync.rollbackTitle') : t('sync.gapTitle')}
          </h2>
          <p>
            {integrity.state === 'rollback'
              ? t('sync.rollbackBody')
              : t('sync.gapBody', {
                  count: formatNumber(integrity.devices.reduce((n, d) => n + d.missing, 0)),
                  devices: integrity.devices.length,
                })}
          </p>
          <button
            type="button"
            className="primary"
            disabled={busy || status.state === 'syncing'}
            onClick={() => void useSyncStore.getState().resync()}
            data-testid="sync-resync"
          >
            {busy ? t('sync.syncing') : t('sync.resync')}
          </button>
        </section>
      )}
      {status.impersonatedOps > 0 && (
        <section className="panel warning" aria-labelledby="sync-imp-title" data-testid="sync-impersonation">
          <h2 id="sync-imp-title">{t('sync.impersonationTitle')}</h2>
          <p>{t('sync.impersonationBody', { count: status.impersonatedOps })}</p>
        </section>
      )}
    </>
  );
}
