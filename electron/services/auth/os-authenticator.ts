import { AppError } from '../../../shared/errors';

/** Why the app asks the OS to confirm the user; shown in the OS prompt, never carries customer data. */
export type AuthReason =
  | 'unlock'
  | 'export'
  | 'restore'
  | 'rekey'
  | 'recovery-code'
  | 'erase'
  | 'revoke-device'
  | 'audit-export'
  | 'unlockers'
  | 'rotate-key';

/** The three ways an OS check can fail; each is an `ErrorCode` of the same name. */
export type AuthFailureCode = 'AUTH_DENIED' | 'AUTH_CANCELLED' | 'AUTH_UNAVAILABLE';

/** The answer of one OS check. `message` says why, in words fit for a log or the UI (no secrets). */
export type AuthResult =
  { readonly ok: true } | { readonly ok: false; readonly code: AuthFailureCode; readonly message: string };

/**
 * The OS user check seam: "is the person at the keyboard the logged-in user?", answered by the OS
 * (polkit `auth_self` on Linux, Touch ID or the device password on macOS, Windows Hello on Windows)
 * or, in tests and the dev host, by a scripted double. Every implementation passes the contract
 * suite in `test/node/services/auth/auth.contract.ts`.
 *
 * `authenticate` never throws: a missing OS component is `AUTH_UNAVAILABLE`, a refused or failed
 * check `AUTH_DENIED`, a dismissed prompt `AUTH_CANCELLED`.
 */
export interface OsAuthenticator {
  /** Which implementation this is (for logs and the status the UI shows). */
  readonly kind: 'polkit' | 'touch-id' | 'windows-hello' | 'scripted' | 'unsupported';
  /** Asks the OS to confirm the user now. */
  authenticate(reason: AuthReason): Promise<AuthResult>;
}

/** A failed result. */
export function authFailure(code: AuthFailureCode, message: string): AuthResult {
  return { ok: false, code, message };
}

/** Throws the result's typed error unless the OS confirmed the user. */
export function assertConfirmed(result: AuthResult): void {
  if (!result.ok) throw new AppError(result.code, result.message);
}

/** For a platform with no OS check the app can use: every call answers `AUTH_UNAVAILABLE` with why. */
export class UnsupportedAuthenticator implements OsAuthenticator {
  readonly kind = 'unsupported' as const;
  constructor(private readonly why: string) {}
  authenticate(): Promise<AuthResult> {
    return Promise.resolve(authFailure('AUTH_UNAVAILABLE', this.why));
  }
}
