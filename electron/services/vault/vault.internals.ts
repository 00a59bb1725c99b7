import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import type { KeySet } from './vault.keyset';
import type { VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';

export type LockReason =
  'user' | 'timeout' | 'quit' | 'restore' | 'revoked' | 'suspend' | 'lock-screen' | 'lease-expired';

/**
 * Named points between the steps of set-up, rekey and restore. Tests kill the process at each one to
 * prove that a crash anywhere leaves a vault that opens; production passes nothing.
 */
export type FaultPoint =
  | 'setup.keychain'
  | 'setup.recovery'
  | 'setup.database'
  | 'rekey.keychain-pending'
  | 'rekey.recovery-pending'
  | 'rekey.copied'
  | 'rekey.closed'
  | 'rekey.swapped'
  | 'rekey.keychain-final'
  | 'rekey.done'
  | 'restore.verified'
  | 'restore.closed'
  | 'restore.swapped'
  | 'backup.snapshot'
  | 'backup.written';

/** How an open came about: see `VaultInternals.openWith`. */
export interface OpenOptions {
  readonly adoptOlder?: boolean;
  readonly release?: ReleaseVia;
}

/** How a locked vault is being opened, for the release gate. */
export type ReleaseVia = 'keychain' | 'recovery';

/**
 * Decides, with the database open but not yet handed to any other part, whether the vault may be
 * released (the offline lease). Throws a typed error to refuse: the vault then closes and zeroes.
 */
export type ReleaseGate = (db: Db, via: ReleaseVia) => Promise<void>;

/**
 * What the vault's multi-step operations (rekey, backup, restore: one file each) need of the service
 * that owns the open database and the key set. Only `VaultService` implements it.
 */
export interface VaultInternals {
  readonly layout: VaultLayout;
  readonly keystore: VaultKeystore;
  readonly logger: Logger;
  readonly now: () => number;
  /** The app version, recorded in each backup's header. */
  readonly appVersion?: string;
  fault(point: FaultPoint): void;
  /** The open database and its key set, or null while locked. */
  open(): { readonly db: Db; readonly keys: KeySet } | null;
  /**
   * Opens the database with `set`, checks it, migrates, tidies the key set; takes ownership of `set`.
   * `adoptOlder`: a file older than the keychain's counter is expected (a restore, a recovery).
   * `release`: the vault was locked, so the release gate (the offline lease) decides, by how it was
   * opened, before any other part sees the database.
   */
  openWith(vaultId: string, set: KeySet, options?: OpenOptions): Promise<void>;
  /** Closes the database (locking listeners first) but keeps the key set. */
  closeDb(): void;
  /** Zeroes and forgets the key set. */
  dropKeys(): void;
  lockNow(reason: LockReason): void;
}
