import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../format';
import { useRestoreStore } from './restore.store';
import type { RestoreSummary } from '../../../shared/ipc/channels/vault.channels';

const KINDS = ['account', 'contact', 'deal', 'activity', 'task'] as const;

/** "Restored the backup of <date> (FieldVault 1.2.3): 3 accounts, 12 contacts, …" */
export function RestoreSummaryText({ summary }: { summary: RestoreSummary }) {
  const { t } = useTranslation();
  const counts = KINDS.filter((k) => summary.counts[k] !== undefined)
    .map((k) => `${t(`entity.${k}`)}: ${formatNumber(summary.counts[k] ?? 0)}`)
    .join(' · ');
  return (
    <>
      <strong>
        {t('backups.restoredFrom', {
          date: formatDateTime(summary.createdAt),
          version: summary.appVersion ?? t('backups.versionUnknown'),
        })}
      </strong>
      {counts && <span data-testid="restore-counts"> {counts}</span>}
    </>
  );
}

/** The shell's notice after a restore; dismissed by the user. */
export function RestoreNotice() {
  const { t } = useTranslation();
  const last = useRestoreStore((s) => s.last);
  if (!last) return null;
  return (
    <div role="status" className="toast" data-testid="restore-summary">
      <span>
        <RestoreSummaryText summary={last} />
      </span>
      <button type="button" className="link" onClick={() => useRestoreStore.setState({ last: null })}>
        {t('common.close')}
      </button>
    </div>
  );
}
