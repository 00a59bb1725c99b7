import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { UnlockersView } from '../../../shared/ipc/channels/vault.channels';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDateTime } from '../format';

/**
 * Settings: the vault's unlockers (keychain, recovery code, PIN, IT's escrow key, the last one
 * "managed by your organization"), and setting, changing or removing the PIN. Main asks the OS to
 * confirm the user before a PIN is set or removed; nothing here ever sees a key.
 */
export function UnlockersPanel() {
  const { t } = useTranslation();
  const [view, setView] = useState<UnlockersView | null>(null);
  const [pin, setPin] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<'saved' | 'removed' | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const pinId = useId();
  const repeatId = useId();

  useEffect(() => {
    call('vault.unlockers.list').then(setView, (e: unknown) => setError(errorInfo(e)));
  }, []);

  const run = async (action: () => Promise<UnlockersView>, outcome: 'saved' | 'removed') => {
    setBusy(true);
    setDone(null);
    setError(null);
    try {
      setView(await action());
      setDone(outcome);
      setPin('');
      setRepeat('');
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(() => call('vault.pin.set', { pin }), 'saved');
  };

  const tooShort = pin.length > 0 && pin.length < 6;
  const mismatch = repeat.length > 0 && repeat !== pin;
  return (
    <section className="panel" aria-labelledby={`${pinId}-title`} data-testid="unlockers">
      <h2 id={`${pinId}-title`}>{t('unlockers.title')}</h2>
      <p className="muted">{t('unlockers.intro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <ul className="list" data-testid="unlockers-list">
        {view?.unlockers.map((u) => (
          <li key={u.kind} data-testid={`unlocker-${u.kind}`}>
            <strong>{t(`unlockers.kind.${u.kind}`)}</strong>{' '}
            <span className="muted">{t('unlockers.written', { date: formatDateTime(u.createdAt) })}</span>
            {u.managed && (
              <p className="muted" data-testid="managed-escrow">
                {t('unlockers.managed')}
              </p>
            )}
          </li>
        ))}
      </ul>
      <h3>{t('unlockers.pinTitle')}</h3>
      {view && !view.pin.allowed && (
        <p className="muted" data-testid="pin-forbidden">
          {t('unlockers.pinForbidden')}
        </p>
      )}
      {view?.pin.lockedOut && <p role="status">{t('unlockers.pinLockedOut')}</p>}
      {done && <p role="status">{done === 'saved' ? t('unlockers.pinSaved') : t('unlockers.pinRemoved')}</p>}
      {view?.pin.allowed && (
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor={pinId}>{t('unlockers.pinLabel')}</label>
            <input
              id={pinId}
              type="password"
              value={pin}
              autoComplete="new-password"
              data-testid="pin-new"
              aria-describedby={`${pinId}-help`}
              aria-invalid={tooShort}
              onChange={(event) => setPin(event.target.value)}
            />
            <p id={`${pinId}-help`} className="muted">
              {tooShort ? t('unlockers.pinTooShort') : t('unlockers.pinHelp')}
            </p>
          </div>
          <div className="field">
            <label htmlFor={repeatId}>{t('unlockers.pinRepeat')}</label>
            <input
              id={repeatId}
              type="password"
              value={repeat}
              autoComplete="new-password"
              data-testid="pin-repeat"
              aria-invalid={mismatch}
              aria-describedby={mismatch ? `${repeatId}-mismatch` : undefined}
              onChange={(event) => setRepeat(event.target.value)}
            />
            {mismatch && (
              <p id={`${repeatId}-mismatch`} className="muted">
                {t('unlockers.pinMismatch')}
              </p>
            )}
          </div>
          <div className="row">
            <button
              type="submit"
              className="primary"
              disabled={busy || pin.length < 6 || pin.length > 128 || repeat !== pin}
              data-testid="pin-save"
            >
              {busy ? t('unlockers.saving') : view.pin.set ? t('unlockers.changePin') : t('unlockers.setPin')}
            </button>
            {view.pin.set && (
              <button
                type="button"
                disabled={busy}
                data-testid="pin-remove"
                onClick={() => void run(() => call('vault.pin.remove'), 'removed')}
              >
                {t('unlockers.removePin')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
