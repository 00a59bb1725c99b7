import { create } from 'zustand';
import type { ErrorInfo } from '../../shared/errors';
import type { LockReason, VaultStatus } from '../../shared/ipc/channels/vault.channels';
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
  /**
   * An owner or admin removed this device from its workspace and main erased its vault: first run
   * says so, instead of asking for a key or a recovery code that no longer opens anything.
   */
  removed: boolean;
  refresh: () => Promise<void>;
  /** Creates the vault; returns the recovery code for the one-time display (never stored here). */
  setup: () => Promise<string | null>;
  finishOnboarding: () => void;
  unlock: () => Promise<void>;
  recover: (recoveryCode: string) => Promise<void>;
  lock: () => Promise<void>;
  /**
   * Drops every record from the renderer and shows the lock screen (after a lock from anywhere). A
   * revoked device reads its state again: main has erased the vault, so first run follows.
   */
  lockedElsewhere: (reason?: LockReason) => void;
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

/** Reads the vault state again until a removed device's vault is gone (a few seconds at most). */
async function untilErased(get: () => VaultState): Promise<void> {
  for (let tries = 0; tries < 20 && get().phase === 'locked'; tries++) {
    await get().refresh();
    if (get().phase !== 'locked') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const useVaultStore = create<VaultState>((set, get) => ({
  phase: 'loading',
  onboarding: false,
  error: null,
  recoveryMode: false,
  setRecoveryMode: (recoveryMode) => set({ recoveryMode, error: null }),
  busy: false,
  removed: false,
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
      set({ phase: phaseOf(status), onboarding: true, busy: false, removed: false });
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
  lockedElsewhere: (reason) => {
    locks += 1;
    resetAllStores();
    const removed = reason === 'revoked' || get().removed;
    set({ phase: 'locked', onboarding: false, busy: false, removed });
    // Main locks first and erases the files after: read the state until the erasure shows.
    if (reason === 'revoked') void untilErased(get);
  },
  clearError: () => set({ error: null }),
}));

/** Reacts to `vault.locked` pushed by main (timeout in main, restore, quit, revoked device). */
export function subscribeVault(): () => void {
  const offLocked = api.on('vault.locked', ({ reason }) => useVaultStore.getState().lockedElsewhere(reason));
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
