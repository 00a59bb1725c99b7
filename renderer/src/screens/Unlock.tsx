import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../components/Icon';
import { ErrorMessage } from '../errors';
import { PinUnlock } from '../unlockers/PinUnlock';
import { LeaseNotice } from '../backups/LeaseNotice';
import { useVaultStore } from '../vault.store';

/** The lock screen: keychain unlock, with the recovery-code path when the key is missing or wrong. */
export function Unlock() {
  const { t } = useTranslation();
  const { unlock, recover, busy, error, clearError, recoveryMode, setRecoveryMode, removed } =
    useVaultStore();
  const [code, setCode] = useState('');
  const codeId = useId();
  const recovery = recoveryMode;

  const submitRecovery = async (event: FormEvent) => {
    event.preventDefault();
    await recover(code);
    setCode('');
  };

  return (
    <main className="centered" id="main">
      <section className="card" aria-labelledby="unlock-title">
        <div className="lock-icon">
          <Icon name="lock" />
        </div>
        <h1 id="unlock-title">{recovery ? t('unlock.recoverTitle') : t('unlock.title')}</h1>
        {removed && (
          <p className="notice" role="alert" data-testid="device-removed">
            {t('firstRun.removed')}
          </p>
        )}
        <ErrorMessage error={error} onDismiss={clearError} />
        <PinUnlock />
        <LeaseNotice />
        {!recovery && (
          <>
            <p>{t('unlock.intro')}</p>
            <div className="row">
              <button
                type="button"
                className="primary"
                autoFocus
                disabled={busy}
                onClick={() => void unlock()}
                data-testid="unlock"
              >
                {busy ? t('unlock.unlocking') : t('unlock.unlock')}
              </button>
              <button type="button" className="link" onClick={() => setRecoveryMode(true)}>
                {t('unlock.useRecovery')}
              </button>
            </div>
          </>
        )}
        {recovery && (
          <form onSubmit={(event) => void submitRecovery(event)}>
            <p>{t('unlock.recoverIntro')}</p>
            <div className="field">
              <label htmlFor={codeId}>{t('unlock.recoverLabel')}</label>
              <input
                id={codeId}
                value={code}
                autoComplete="off"
                spellCheck={false}
                autoFocus
                data-testid="recovery-input"
                onChange={(event) => setCode(event.target.value)}
              />
            </div>
            <div className="row">
              <button type="submit" className="primary" disabled={busy || code.trim().length === 0}>
                {t('unlock.recover')}
              </button>
              <button type="button" className="link" onClick={() => setRecoveryMode(false)}>
                {t('unlock.useKeychain')}
              </button>
            </div>
          </form>
        )}
      </section>
    </main>
  );
}
