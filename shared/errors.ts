/**
 * Stable error codes. A code is never reused for another meaning; add new ones at the end.
 * Messages that travel with a code must never contain keys, tokens or customer data.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'VAULT_LOCKED',
  'VAULT_NOT_SET_UP',
  'VAULT_ALREADY_SET_UP',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_LOCKED',
  'KEY_MISSING',
  'WRONG_KEY',
  'RECOVERY_CODE_INVALID',
  'CORRUPT_STORE',
  'DISK_FULL',
  'BACKUP_INVALID',
  'SYNC_OFFLINE',
  'SYNC_UNAUTHORIZED',
  'ENROLMENT_REQUIRED',
  'DEVICE_REVOKED',
  'DELTA_REJECTED',
  'CLOCK_SKEW',
  'RATE_LIMITED',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'SCHEMA_TOO_NEW',
  'INTERNAL',
  'UPDATE_UNSIGNED',
  'UPDATE_SIGNATURE_INVALID',
  'UPDATE_MANIFEST_INVALID',
  'UPDATE_HASH_MISMATCH',
  'UPDATE_DOWNGRADE',
  'UPDATE_CHANNEL_REFUSED',
  'UPDATE_PINNED',
  'UPDATE_TOO_OLD',
  'UPDATE_DISABLED',
  'UPDATE_OFFLINE',
  'POLICY_INVALID',
  'POLICY_FORBIDDEN',
  'AUTH_DENIED',
  'AUTH_CANCELLED',
  'AUTH_UNAVAILABLE',
  'VAULT_ROLLED_BACK',
  'SYNC_REDIRECTED',
  'FORBIDDEN',
  'MEMBERSHIP_INVALID',
  'SYNC_LOCKED_OUT',
  'SYNC_GAP',
  'SERVER_ROLLBACK',
  'IMPORT_CANCELLED',
  'PIN_INVALID',
  'PIN_LOCKED_OUT',
  'UNLOCKER_NOT_SET',
  'EPOCH_RETIRED',
  'EPOCH_KEY_INVALID',
  'LEASE_EXPIRED',
  'BACKUP_DIRECTORY_UNSAFE',
  'DB_WORKER_FAILED',
  'SNAPSHOT_REJECTED',
  'COMPACTION_REFUSED',
  'LOG_COMPACTED',
  /** A sync server address main will not talk to: not a URL, more than an origin, or plain http off this computer. */
  'SERVER_URL_REFUSED',
  /** A CSV file with more data rows than one import takes (`MAX_IMPORT_ROWS`). */
  'IMPORT_TOO_MANY_ROWS',
] as const;

/** One of the stable error codes every layer speaks. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The serialisable form of an error, as it crosses IPC. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * An expected failure with a stable code. Throw it from services and handlers; the IPC router turns
 * it into `{ok: false, error}`. Any other thrown value becomes `INTERNAL` with a generic message.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The IPC-safe form: code and message only, never the cause. */
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** True when `value` is one of the known error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The envelope every IPC call resolves to. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
