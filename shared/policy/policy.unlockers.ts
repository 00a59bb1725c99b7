import type { Policy } from './policy.schema';

/**
 * What IT's policy means for the PIN and escrow unlockers. `pinUnlock` decides when set; unset, a
 * PIN is allowed unless `requiredUnlockMethod` is `os-authentication` (a PIN would open the vault
 * without the OS check IT asked for). `escrowKey`, when set, is wrapped to at the next unlock.
 * `restricted` (an unreadable policy, replaced by the restrictive fallback) makes the answer not
 * `authoritative`: it may refuse a PIN but must not delete wraps IT wanted, or a typo in the policy
 * file would remove every device's escrow wrap.
 */
export function unlockerPolicyOf(
  values: Policy,
  restricted = false,
): { escrowKey?: string; pin: 'allowed' | 'forbidden'; authoritative: boolean } {
  const pin =
    values.pinUnlock ?? (values.requiredUnlockMethod === 'os-authentication' ? 'forbidden' : 'allowed');
  const authoritative = !restricted;
  return values.escrowKey ? { escrowKey: values.escrowKey, pin, authoritative } : { pin, authoritative };
}
