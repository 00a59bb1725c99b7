import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { RecoveryCodeSteps } from './RecoveryCode';

type Stage = 'idle' | 'confirming' | 'issuing' | 'done';

/**
 * Settings' recovery-code panel: issue a new code after the OS confirms the user. Main replaces the
 * old wrap, so the old code stops working at once; the new one is shown (copy, print) and confirmed
 * like at first run. Leaving before the confirmation resumes it at the next unlock.
 */
export function RecoverySettings() {
  const { t } = useTranslation();
  const [stage, setStage] = useState<Stage>('idle');
  const [code, setCode] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const issue = async () => {
    setStage('issuing');
    setError(null);
    try {
      setCode((await call('vault.renewRecoveryCode')).recoveryCode);
      setStage('idle');
    } catch (e) {
      setError(errorInfo(e));
      setStage('idle');
    }
  };

  return (
    <section className="panel" aria-labelledby="recovery-settings-title" data-testid="recovery-settings">
      {code !== null ? (
        <RecoveryCodeSteps
          code={code}
          headingId="recovery-settings-title"
          level={2}
          onConfirmed={() => {
            setCode(null);
            setStage('done');
          }}
        />
      ) : (
        <>
          <h2 id="recovery-settings-title">{t('recovery.settingsTitle')}</h2>
          <p className="muted">{t('recovery.settingsIntro')}</p>
          <ErrorMessage error={error} onDismiss={() => setError(null)} />
          {stage === 'done' && (
            <p role="status" className="ok" data-testid="recovery-renewed">
              {t('recovery.renewed')}
            </p>
          )}
          {stage === 'confirming' ? (
            <div className="row" role="group" aria-label={t('recovery.renew')}>
              <span>{t('recovery.renewConfirm')}</span>
              <button
                type="button"
                className="danger"
                onClick={() => void issue()}
                data-testid="recovery-renew-yes"
              >
                {t('recovery.renewYes')}
              </button>
              <button type="button" onClick={() => setStage('idle')}>
                {t('settings.cancel')}
              </button>
            </div>
          ) : (
            <button
              type="button"
              disabled={stage === 'issuing'}
              onClick={() => {
                setError(null);
                setStage('confirming');
              }}
              data-testid="recovery-renew"
            >
              {stage === 'issuing' ? t('recovery.issuing') : t('recovery.renew')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
