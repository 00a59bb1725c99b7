import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useUiStore } from '../ui.store';
import { subscribeAudit, useAuditStore } from './audit.store';

/**
 * Status bar entry: silent while the chain is intact, an alert naming the first broken event when
 * it is not (a click opens the Security log). Checks once when the app frame appears.
 */
export function AuditStatus() {
  const { t } = useTranslation();
  const report = useAuditStore((s) => s.report);
  const navigate = useUiStore((s) => s.navigate);
  useEffect(() => {
    const off = subscribeAudit();
    useAuditStore
      .getState()
      .verify()
      .catch(() => undefined);
    return off;
  }, []);
  if (report?.status !== 'broken') return null;
  return (
    <button
      type="button"
      className="status-alert"
      role="alert"
      data-testid="audit-status-broken"
      onClick={() => navigate({ name: 'security-log' })}
    >
      {t('audit.statusBroken', { seq: report.firstBreak?.seq ?? 0 })}
    </button>
  );
}

/** The Settings entry that opens the Security log. */
export function SecurityLogLink() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  return (
    <section className="panel" aria-labelledby="security-log-link-title">
      <h2 id="security-log-link-title">{t('audit.title')}</h2>
      <p className="muted">{t('audit.settingsIntro')}</p>
      <button
        type="button"
        onClick={() => navigate({ name: 'security-log' })}
        data-testid="open-security-log"
      >
        {t('audit.open')}
      </button>
    </section>
  );
}
