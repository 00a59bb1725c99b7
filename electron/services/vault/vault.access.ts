import type { Db } from '../db/database';

/**
 * What other services (CRM, sync, …) may know of the vault: the open database while it is unlocked,
 * and notifications around unlock and lock. They never see a key.
 */
export interface VaultAccess {
  /** The open database. Throws `AppError('VAULT_LOCKED')` (or `VAULT_NOT_SET_UP`) otherwise. */
  db(): Db;
  isUnlocked(): boolean;
  /** Runs after the database is open and migrated. Returns an unsubscribe function. */
  onUnlocked(listener: (db: Db) => void): () => void;
  /** Runs just before the database closes (lock, quit): drop caches, prepared statements, timers. */
  onLocking(listener: () => void): () => void;
  /**
   * Destroys the vault for good (a revoked device): closes it, deletes its keychain entry, then the
   * database, WAL, recovery wrap and backups. Afterwards the status is `not_set_up`.
   */
  wipe(): Promise<void>;
}

/** The listeners `VaultAccess` registers, run by the vault around unlock and lock. */
export class VaultListeners {
  private readonly unlocked = new Set<(db: Db) => void>();
  private readonly locking = new Set<() => void>();

  onUnlocked(listener: (db: Db) => void): () => void {
    this.unlocked.add(listener);
    return () => this.unlocked.delete(listener);
  }

  onLocking(listener: () => void): () => void {
    this.locking.add(listener);
    return () => this.locking.delete(listener);
  }

  /** After the database is open and migrated. */
  runUnlocked(db: Db): void {
    for (const listener of this.unlocked) listener(db);
  }

  /** Before the database closes; one listener's failure neither stops the others nor the lock. */
  runLocking(failed: () => void): void {
    for (const listener of this.locking) {
      try {
        listener();
      } catch {
        failed();
      }
    }
  }
}
