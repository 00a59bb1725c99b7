import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { KeychainState, UnlockersView, VaultStatus } from '../../../shared/ipc/channels/vault.channels';
import { api, call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useVaultStore } from '../vault.store';

const KEYCHAIN_NOTICE: Partial<Record<KeychainState, string>> = {
  missing: 'unlockers.keychainMissing',
  'backend-changed': 'unlockers.keychainChanged',
  locked: 'unlockers.keychainLocked',
  unavailable: 'unlockers.keychainUnavailable',
};

function fetchState(): Promise<[VaultStatus, UnlockersView]> {
  return Promise.all([call('vault.status'), call('vault.unlockers.list')]);
}

/**
 * The lock screen's other ways in: why the keychain cannot open the vault (entry missing, another
 * keyring backend, locked, not running), and the PIN form when the vault has a PIN IT allows.
 */
export function PinUnlock() {
  const { t } = useTranslation();
  const busy = useVaultStore((s) => s.busy);
  const [keychain, setKeychain] = useState<KeychainState | undefined>(undefined);
  const [view, setView] = useState<UnlockersView | null>(null);
  const [pin, setPin] = useState('');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const pinId = useId();

  const apply = ([status, unlockers]: [VaultStatus, UnlockersView]) => {
    setKeychain(status.keychain);
    setView(unlockers);
    if (status.keychain && status.keychain !== 'available') useVaultStore.getState().setRecoveryMode(true);
  };
  // A failure leaves the lock screen's own unlock paths, which still work.
  const load = () => fetchState().then(apply, () => undefined);

  useEffect(() => {
    fetchState().then(apply, () => undefined);
    // The lock screen shows before main has finished locking (it forgets the data first), and a
    // status read that early has no keychain answer yet: ask again once main says it is locked.
    return api.on('vault.locked', () => void fetchState().then(apply, () => undefined));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setWorking(true);
    setError(null);
    try {
      const status = await call('vault.unlockWithPin', { pin });
      setPin('');
      useVaultStore.setState({
        phase: status.state === 'unlocked' ? 'unlocked' : 'locked',
        recoveryMode: false,
      });
    } catch (e) {
      setPin('');
      setError(errorInfo(e));
      void load();
    } finally {
      setWorking(false);
    }
  };

  const notice = keychain ? KEYCHAIN_NOTICE[keychain] : undefined;
  const pinUsable = view?.pin.set === true && view.pin.allowed;
  return (
    <>
      {/* What the lock screen last learnt of the keychain ('checking' until the first answer). */}
      <span hidden data-testid="keychain-state" data-state={keychain ?? 'checking'} />
      {notice && (
        <div role="status" className="alert" data-testid={`keychain-${keychain}`}>
          <span>{t(notice)}</span>
        </div>
      )}
      {pinUsable && (
        <form
          className="pin-unlock"
          onSubmit={(event) => void submit(event)}
          aria-labelledby={`${pinId}-title`}
          data-testid="pin-unlock"
        >
          <h2 id={`${pinId}-title`}>{t('unlockers.lockTitle')}</h2>
          <ErrorMessage error={error} onDismiss={() => setError(null)} />
          <div className="field">
            <label htmlFor={pinId}>{t('unlockers.lockLabel')}</label>
            <input
              id={pinId}
              type="password"
              value={pin}
              autoComplete="off"
              spellCheck={false}
              data-testid="pin-input"
              aria-describedby={`${pinId}-tries`}
              onChange={(event) => setPin(event.target.value)}
            />
            <p id={`${pinId}-tries`} className="muted">
              {t('unlockers.lockTriesLeft', { count: view.pin.triesLeft })}
            </p>
          </div>
          <button type="submit" className="primary" disabled={busy || working || pin.length < 6}>
            {working ? t('unlock.unlocking') : t('unlockers.lockSubmit')}
          </button>
        </form>
      )}
    </>
  );
}
