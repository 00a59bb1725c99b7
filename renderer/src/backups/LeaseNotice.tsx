import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LeaseStatus } from '../../../shared/ipc/channels/lease.channels';
import { api, call } from '../api';
import { formatDateTime } from '../format';
import { useVaultStore } from '../vault.store';

/**
 * The offline lease on the lock screen: when it runs out, or that it has and what to do next
 * (connect and unlock to check in; the recovery code where IT allows it). Re-read after each unlock
 * attempt, since a check-in or a failed one changes it.
 */
export function LeaseNotice() {
  const { t } = useTranslation();
  const error = useVaultStore((s) => s.error);
  const busy = useVaultStore((s) => s.busy);
  const [lease, setLease] = useState<LeaseStatus | null>(null);
  useEffect(() => {
    if (busy) return;
    const read = () => void call('lease.status').then(setLease, () => setLease(null));
    read();
    // The lock screen shows before main has finished locking, and main writes the lease's copy
    // while it locks: a read that early can miss it, so read again once main says it is locked.
    return api.on('vault.locked', read);
  }, [error, busy]);
  if (!lease || lease.state === 'not_managed') return null;
  if (lease.state === 'expired') {
    return (
      <div role="alert" className="alert" data-testid="lease-expired">
        {/* One child: the alert box lays its children out in a row. */}
        <div>
          <p>
            <strong>{t('lease.expiredTitle', { days: lease.days })}</strong>
          </p>
          <p>{lease.recoveryAllowed ? t('lease.nextStepRecovery') : t('lease.nextStep')}</p>
          {lease.lastContactAt && (
            <p className="muted">{t('lease.lastContact', { date: formatDateTime(lease.lastContactAt) })}</p>
          )}
        </div>
      </div>
    );
  }
  return (
    <p className="muted" data-testid="lease-ok">
      {lease.expiresAt
        ? t('lease.until', { date: formatDateTime(lease.expiresAt), days: lease.days })
        : t('lease.managed', { days: lease.days })}
    </p>
  );
}
