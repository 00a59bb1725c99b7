/**
 * The OS keychain seam. One interface, per-platform implementations (`keychain.keytar.ts` for the
 * Secret Service, macOS Keychain and Windows Credential Manager), and a test implementation checked
 * against the same contract tests (`test/node/services/keychain/keychain.test.ts`).
 *
 * Secrets are bytes. Implementations must throw `AppError` with `KEYCHAIN_UNAVAILABLE` (no keychain
 * service) or `KEYCHAIN_LOCKED` (service present, collection locked or missing), never fall back to
 * storing anything elsewhere. `get` returns null only when the keychain is usable and has no entry.
 */
export interface Keychain {
  /** The secret stored for `account`, or null when there is none. */
  get(account: string): Promise<Uint8Array | null>;
  /** Stores (or replaces) the secret for `account`. */
  set(account: string, secret: Uint8Array): Promise<void>;
  /** Removes the secret; true when one existed. */
  delete(account: string): Promise<boolean>;
  /**
   * Which backend answers (see `detectKeychainBackend`), or null when it cannot be told. Optional:
   * without it a missing entry is reported as missing, never as a changed backend.
   */
  backend?(): Promise<string | null>;
}
