import type { Policy } from './policy.schema';

/**
 * What IT's policy means for the PIN and escrow unlockers. `pinUnlock` decides when set; unset, a
 * PIN is allowed unless `requiredUnlockMethod` is `os-authentication` (a PIN would open the vault
 * without the OS check IT asked for). `escrowKey`, when set, is wrapped to at the next unlock.
 */
export function unlockerPolicyOf(values: Policy): { escrowKey?: string; pin: 'allowed' | 'forbidden' } {
  const pin =
    values.pinUnlock ?? (values.requiredUnlockMethod === 'os-authentication' ? 'forbidden' : 'allowed');
  return values.escrowKey ? { escrowKey: values.escrowKey, pin } : { pin };
}
