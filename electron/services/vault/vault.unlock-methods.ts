import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { KeychainState, UnlockersView } from '../../../shared/ipc/channels/vault.channels';
import type { Keychain } from '../keychain/keychain';
import { writeFileAtomic } from './vault.files';
import type { VaultInternals } from './vault.internals';
import { PIN_KDF, PIN_MAX_FAILURES, unlockKeyId, type PinKdf, type UnlockerStore } from './vault.unlockers';

/** What IT's policy says about the extra unlockers (read at each use). */
export interface UnlockerPolicy {
  /** The organisation's X25519 escrow public key (base64url), when IT set one. */
  readonly escrowKey?: string;
  readonly pin: 'allowed' | 'forbidden';
  /** False while the policy is unreadable (restrictive fallback): nothing is deleted then. Default true. */
  readonly authoritative?: boolean;
}

/** What the unlocker operations need beside `VaultInternals`. */
export interface UnlockerDeps {
  readonly v: VaultInternals;
  readonly store: UnlockerStore;
  readonly keychain: Keychain;
  readonly policy: () => Promise<UnlockerPolicy>;
  /** The OS user check before a PIN is set or removed. */
  readonly confirm: () => Promise<void>;
  readonly pinKdf?: PinKdf;
}

function backendFile(d: UnlockerDeps): string {
  return path.join(d.v.layout.dir, 'keychain-backend.json');
}

function recordedBackend(d: UnlockerDeps): string | null {
  try {
    const parsed = JSON.parse(readFileSync(backendFile(d), 'utf8')) as { backend?: unknown };
    return typeof parsed.backend === 'string' ? parsed.backend : null;
  } catch {
    return null;
  }
}

async function forbidPinUnlessAllowed(d: UnlockerDeps): Promise<void> {
  if ((await d.policy()).pin === 'forbidden') {
    throw new AppError('POLICY_FORBIDDEN', 'Your organization does not allow unlocking with a PIN');
  }
}

/** The unlockers of the vault and the PIN's state, for `vault.unlockers.list`. */
export async function listUnlockers(d: UnlockerDeps): Promise<UnlockersView> {
  const m = d.v.layout.requireManifest();
  const attempts = d.store.attempts();
  const unlockers = d.store.list(m.vaultId);
  return {
    unlockers,
    pin: {
      allowed: (await d.policy()).pin === 'allowed',
      set: unlockers.some((u) => u.kind === 'pin'),
      lockedOut: attempts.lockedOut,
      triesLeft: attempts.lockedOut ? 0 : Math.max(0, PIN_MAX_FAILURES - attempts.failures),
    },
  };
}

/** Sets or replaces the PIN of the open vault, after the OS confirmed the user. Writes one file. */
export async function setPin(d: UnlockerDeps, pin: string): Promise<void> {
  const m = d.v.layout.requireManifest();
  if (!d.v.open()) throw new AppError('VAULT_LOCKED', 'Unlock the vault before setting a PIN');
  await forbidPinUnlessAllowed(d);
  await d.confirm();
  const unlockKey = await d.v.keystore.unlockKey(m.vaultId);
  try {
    await d.store.setPin(m.vaultId, unlockKey, pin, d.pinKdf ?? PIN_KDF);
  } finally {
    unlockKey.fill(0);
  }
  d.v.logger.log('info', 'vault.unlockerAdded', { kind: 'pin' });
}

/**
 * Removes the PIN of the open vault after the OS confirmed the user (a locked vault's unlockers
 * cannot be taken away by whoever reaches the lock screen).
 */
export async function removePin(d: UnlockerDeps): Promise<void> {
  d.v.layout.requireManifest();
  if (!d.v.open()) throw new AppError('VAULT_LOCKED', 'Unlock the vault before removing its PIN');
  await d.confirm();
  if (d.store.removePin()) d.v.logger.log('info', 'vault.unlockerRemoved', { kind: 'pin', why: 'user' });
}

/**
 * Opens the vault with its PIN: the PIN opens the unlock key, the unlock key the key set. When the
 * keychain lost its entry (another keyring backend), the entry is written back with the same unlock
 * key, so the keychain unlocker works again from the next unlock on.
 */
export async function unlockWithPin(d: UnlockerDeps, pin: string): Promise<void> {
  const m = d.v.layout.requireManifest();
  if (d.v.open()) return;
  await forbidPinUnlessAllowed(d);
  const record = d.store.read('pin', m.vaultId);
  const wrapId = d.v.keystore.wrapUnlockKeyId();
  if (record && wrapId && record.unlockKeyId !== wrapId) {
    // The key set moved to a new unlock key (a recovery with the code) after this PIN was set.
    d.store.removePin();
    throw new AppError(
      'UNLOCKER_NOT_SET',
      'This PIN no longer opens the vault: unlock another way and set it again',
    );
  }
  const unlockKey = await d.store.openPin(m.vaultId, pin);
  const set = await d.v.keystore.loadWithUnlockKey(m.vaultId, unlockKey);
  // Released like a keychain unlock: the offline lease applies to a PIN as to the keychain.
  await d.v.openWith(m.vaultId, set, { release: 'keychain' });
  d.v.logger.log('info', 'vault.unlockedWithPin', { vaultId: m.vaultId });
}

/**
 * After every open: brings the extra unlockers in line with IT's policy and the current unlock key.
 * The escrow wrap follows `escrowKey` (written when set or changed, removed when unset); a PIN that
 * policy forbids, or that wraps an older unlock key, is removed. Also records which keychain backend
 * holds the entry. Never fails the unlock: a problem is logged and tried again at the next one.
 */
export async function syncUnlockers(d: UnlockerDeps): Promise<void> {
  const m = d.v.layout.manifest();
  if (!m) return;
  try {
    const policy = await d.policy();
    const open = d.v.open() !== null;
    const pin = d.store.read('pin', m.vaultId);
    const escrow = d.store.read('escrow', m.vaultId);
    const mayRemove = policy.authoritative !== false;
    if (!policy.escrowKey && escrow && mayRemove) {
      d.store.remove('escrow');
      d.v.logger.log('info', 'vault.unlockerRemoved', { kind: 'escrow', why: 'policy' });
    }
    if (pin && policy.pin === 'forbidden' && mayRemove) {
      d.store.removePin();
      d.v.logger.log('info', 'vault.unlockerRemoved', { kind: 'pin', why: 'policy' });
    }
    if (!open) return;
    const unlockKey = await d.v.keystore.unlockKey(m.vaultId);
    try {
      const id = unlockKeyId(unlockKey);
      if (pin && policy.pin === 'allowed' && pin.unlockKeyId !== id) {
        d.store.removePin();
        d.v.logger.log('info', 'vault.unlockerRemoved', { kind: 'pin', why: 'stale' });
      }
      if (
        policy.escrowKey &&
        (!escrow || escrow.recipient !== policy.escrowKey || escrow.unlockKeyId !== id)
      ) {
        d.store.setEscrow(m.vaultId, unlockKey, policy.escrowKey);
        d.v.logger.log('info', 'vault.unlockerAdded', { kind: 'escrow' });
      }
    } finally {
      unlockKey.fill(0);
    }
    const backend = (await d.keychain.backend?.()) ?? null;
    if (backend && backend !== recordedBackend(d)) {
      writeFileAtomic(backendFile(d), JSON.stringify({ backend }) + '\n');
    }
  } catch (error) {
    d.v.logger.log('warn', 'vault.unlockersSyncFailed', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
  }
}

/** Whether the keychain unlocker can open the locked vault now, and if not, why. */
export async function keychainState(d: UnlockerDeps, vaultId: string): Promise<KeychainState> {
  try {
    if (await d.v.keystore.probe(vaultId)) return 'available';
  } catch (error) {
    return error instanceof AppError && error.code === 'KEYCHAIN_LOCKED' ? 'locked' : 'unavailable';
  }
  const recorded = recordedBackend(d);
  const current = existsSync(backendFile(d)) ? ((await d.keychain.backend?.()) ?? null) : null;
  return recorded && current && recorded !== current ? 'backend-changed' : 'missing';
}
