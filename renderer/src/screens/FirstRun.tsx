import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useShortcuts, type Shortcut } from '../shortcuts';
import { useVaultStore } from '../vault.store';
import { RecoveryCodeSteps } from './RecoveryCode';

/**
 * First run: create the vault, show the recovery code once, and make the user prove they wrote it
 * down by typing one group back. Main records that confirmation; until it has, a reload or a crash
 * comes back here ("resume"), and since the code shown before is gone, a new one is issued after the
 * OS confirms the user. The code lives only in this component's state and is dropped after.
 */
export function FirstRun() {
  const { t } = useTranslation();
  const { setup, busy, error, clearError, finishOnboarding, phase, lock, removed } = useVaultStore();
  const [code, setCode] = useState<string | null>(null);
  const [renewing, setRenewing] = useState(false);
  const [renewError, setRenewError] = useState<ErrorInfo | null>(null);

  const create = async () => {
    const created = await setup();
    if (created !== null) setCode(created);
  };

  const renew = async () => {
    setRenewing(true);
    setRenewError(null);
    try {
      setCode((await call('vault.renewRecoveryCode')).recoveryCode);
    } catch (e) {
      setRenewError(errorInfo(e));
    } finally {
      setRenewing(false);
    }
  };

  const done = () => {
    setCode(null);
    finishOnboarding();
  };

  // The vault is open during this step: Ctrl/Cmd+L and a button lock it as everywhere else (the
  // code on screen goes with it; the step comes back after the next unlock).
  const shortcuts = useMemo<Shortcut[]>(
    () => (phase === 'unlocked' && !busy ? [{ key: 'l', mod: true, run: () => void lock() }] : []),
    [phase, busy, lock],
  );
  useShortcuts(shortcuts);

  // Unlocked without a code in hand: the confirmation was interrupted (reload, crash, quit).
  const resume = code === null && phase === 'unlocked' && !busy;
  return (
    <main className="centered" id="main">
      <section className="card wide" aria-labelledby="first-run-title" data-screen="first-run">
        {code !== null && (
          <RecoveryCodeSteps code={code} headingId="first-run-title" level={1} onConfirmed={done} />
        )}
        {resume && (
          <div data-testid="onboarding-resume">
            <h1 id="first-run-title">{t('recovery.resumeTitle')}</h1>
            <p>{t('recovery.resumeIntro')}</p>
            <ErrorMessage error={renewError} onDismiss={() => setRenewError(null)} />
            <div className="row">
              <button
                type="button"
                className="primary"
                onClick={() => void renew()}
                disabled={renewing}
                data-testid="onboarding-new-code"
              >
                {renewing ? t('recovery.issuing') : t('recovery.resumeButton')}
              </button>
              <button
                type="button"
                className="link"
                onClick={() => void lock()}
                data-testid="onboarding-lock"
              >
                {t('nav.lock')}
              </button>
            </div>
          </div>
        )}
        {code === null && !resume && (
          <>
            <h1 id="first-run-title">{t('firstRun.title')}</h1>
            {removed && (
              <p className="notice" role="alert" data-testid="device-removed">
                {t('firstRun.removed')}
              </p>
            )}
            <p>{t('firstRun.intro')}</p>
            <ErrorMessage error={error} onDismiss={clearError} />
            <button
              type="button"
              className="primary"
              onClick={() => void create()}
              disabled={busy}
              data-testid="create-vault"
            >
              {busy ? t('firstRun.creating') : t('firstRun.create')}
            </button>
          </>
        )}
      </section>
    </main>
  );
}
