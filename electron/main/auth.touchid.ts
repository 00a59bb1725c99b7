import type { SystemPreferences } from 'electron';
import {
  authFailure,
  type AuthReason,
  type AuthResult,
  type OsAuthenticator,
} from '../services/auth/os-authenticator';

/** What the prompt says, per reason (macOS shows it under "FieldVault is trying to …"). */
const PROMPTS: Record<AuthReason, string> = {
  unlock: 'open your customer vault',
  export: 'export customer records',
  restore: 'restore a backup over your vault',
  rekey: "change your vault's key",
  'recovery-code': 'show or renew your recovery code',
  erase: 'erase a person from your vault',
  'revoke-device': 'remove a device from your team',
  'audit-export': 'export the security log',
  unlockers: 'change how your vault can be unlocked',
  'rotate-key': "replace your team's workspace key",
};

/**
 * macOS: Electron's `systemPreferences.promptTouchID`, which evaluates an access control with
 * `kSecAccessControlUserPresence`: Touch ID, or the account password where there is no sensor, it is
 * locked out or the user chooses "Use Password". Electron rejects with LocalAuthentication's
 * localised description; the English texts of cancel and "not available" are recognised and anything
 * else (including other languages) counts as a refusal, never a grant.
 */
export class TouchIdAuthenticator implements OsAuthenticator {
  readonly kind = 'touch-id' as const;
  constructor(private readonly prefs: Pick<SystemPreferences, 'promptTouchID'>) {}

  async authenticate(reason: AuthReason): Promise<AuthResult> {
    try {
      await this.prefs.promptTouchID(PROMPTS[reason]);
      return { ok: true };
    } catch (error) {
      return touchIdFailure(error instanceof Error ? error.message : String(error));
    }
  }
}

export function touchIdFailure(message: string): AuthResult {
  if (/cancel/i.test(message)) return authFailure('AUTH_CANCELLED', 'The Touch ID prompt was dismissed');
  if (/not available|not enrolled|passcode not set|no identities|biometry is locked/i.test(message))
    return authFailure('AUTH_UNAVAILABLE', 'Touch ID and the device password are not available');
  return authFailure('AUTH_DENIED', 'macOS did not confirm the user');
}
