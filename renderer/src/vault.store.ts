import { create } from 'zustand';
import type { ErrorInfo } from '../../shared/errors';
import type { VaultStatus } from '../../shared/ipc/channels/vault.channels';
import { api, call, errorInfo } from './api';
import { resetAllStores } from './reset';

export type VaultPhase = 'loading' | 'not_set_up' | 'locked' | 'unlocked';

interface VaultState {
  phase: VaultPhase;
  /**
   * True from vault creation (or a renewal) until the user has confirmed the recovery code. Main keeps
   * the record (`vault.onboarding`), so after a reload or crash the confirmation resumes.
   */
  onboarding: boolean;
  /** The last unlock failure; `KEY_MISSING` and `WRONG_KEY` switch the screen to the recovery path. */
  error: ErrorInfo | null;
  /** The lock screen shows the recovery-code form (key missing or wrong, or the user asked for it). */
  recoveryMode: boolean;
  setRecoveryMode: (on: boolean) => void;
  busy: boolean;
  refresh: () => Promise<void>;
  /** Creates the vault; returns the recovery code for the one-time display (never stored here). */
  setup: () => Promise<string | null>;
  finishOnboarding: () => void;
  unlock: () => Promise<void>;
  recover: (recoveryCode: string) => Promise<void>;
  lock: () => Promise<void>;
  /** Drops every record from the renderer and shows the lock screen (after a lock from anywhere). */
  lockedElsewhere: () => void;
  clearError: () => void;
}

function phaseOf(status: VaultStatus): VaultPhase {
  return status.state === 'not_set_up' ? 'not_set_up' : status.state;
}

/** Whether main still waits for the recovery code's confirmation (asked once the vault is open). */
async function pendingConfirmation(status: VaultStatus): Promise<boolean> {
  if (status.state !== 'unlocked') return false;
  try {
    return !(await call('vault.onboarding')).recoveryConfirmed;
  } catch {
    return false;
  }
}

/**
 * Counts locks seen by this page. A lock that lands while an unlock, recovery or status read is in
 * flight wins: that call's reply is older than the lock and must not reopen the screen.
 */
let locks = 0;

export const useVaultStore = create<VaultState>((set, get) => ({
  phase: 'loading',
  onboarding: false,
  error: null,
  recoveryMode: false,
  setRecoveryMode: (recoveryMode) => set({ recoveryMode, error: null }),
  busy: false,
  refresh: async () => {
    const seen = locks;
    try {
      const status = await call('vault.status');
      const onboarding = await pendingConfirmation(status);
      if (locks !== seen) return;
      set({ phase: phaseOf(status), error: null, onboarding: onboarding || get().onboarding });
    } catch (error) {
      set({ phase: 'locked', error: errorInfo(error) });
    }
  },
  setup: async () => {
    // Onboarding starts before the call: main pushes `vault.unlocked` before setup's reply arrives,
    // and the first-run screen must stay mounted to show the recovery code.
    set({ busy: true, error: null, onboarding: true });
    try {
      const { status, recoveryCode } = await call('vault.setup');
      set({ phase: phaseOf(status), onboarding: true, busy: false });
      return recoveryCode;
    } catch (error) {
      set({ busy: false, onboarding: false, error: errorInfo(error) });
      return null;
    }
  },
  finishOnboarding: () => set({ onboarding: false }),
  unlock: async () => {
    const seen = locks;
    set({ busy: true, error: null });
    try {
      const status = await call('vault.unlock');
      const onboarding = await pendingConfirmation(status);
      if (locks !== seen) return;
      set({ phase: phaseOf(status), busy: false, recoveryMode: false, onboarding });
    } catch (error) {
      const info = errorInfo(error);
      const recoveryMode = info.code === 'KEY_MISSING' || info.code === 'WRONG_KEY';
      set({ busy: false, error: info, recoveryMode });
    }
  },
  recover: async (recoveryCode) => {
    const seen = locks;
    set({ busy: true, error: null });
    try {
      const status = await call('vault.recover', { recoveryCode });
      const onboarding = await pendingConfirmation(status);
      if (locks !== seen) return;
      set({ phase: phaseOf(status), busy: false, recoveryMode: false, onboarding });
    } catch (error) {
      set({ busy: false, error: errorInfo(error) });
    }
  },
  lock: async () => {
    // Forget first: even if the call fails, nothing of the data stays on screen.
    get().lockedElsewhere();
    try {
      await call('vault.lock');
    } catch (error) {
      set({ error: errorInfo(error) });
    }
  },
  lockedElsewhere: () => {
    locks += 1;
    resetAllStores();
    set({ phase: 'locked', onboarding: false, busy: false });
  },
  clearError: () => set({ error: null }),
}));

/** Reacts to `vault.locked` pushed by main (timeout in main, restore, quit, revoked device). */
export function subscribeVault(): () => void {
  const offLocked = api.on('vault.locked', () => useVaultStore.getState().lockedElsewhere());
  const offUnlocked = api.on('vault.unlocked', () => {
    if (useVaultStore.getState().phase === 'unlocked') return;
    useVaultStore.setState({ phase: 'unlocked' });
    // Opened elsewhere (a restore reopening it): a pending confirmation still comes back.
    void call('vault.onboarding').then(
      ({ recoveryConfirmed }) => {
        if (!recoveryConfirmed && useVaultStore.getState().phase === 'unlocked') {
          useVaultStore.setState({ onboarding: true });
        }
      },
      () => undefined,
    );
  });
  return () => {
    offLocked();
    offUnlocked();
  };
}
