import type { UserPresence } from '../auth/user-presence';
import type { Db } from '../db/database';
import type { MigrationSet } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../log/logger';
import type { BackupLocation } from './vault.backupdir';
import type { FaultPoint, LockReason, ReleaseGate } from './vault.internals';
import type { ScryptParams } from './vault.recovery';
import type { UnlockerPolicy } from './vault.unlock-methods';
import type { PinKdf } from './vault.unlockers';

/** What `VaultService` is built with: its directory, OS seams, other domains' migrations, policy hooks. */
export interface VaultServiceOptions {
  /** The vault lives in `<dataDir>/vault/`. */
  readonly dataDir: string;
  readonly keychain: Keychain;
  /** Other domains' migrations; the vault's own run first. */
  readonly migrations: readonly MigrationSet[];
  readonly logger: Logger;
  readonly now: () => number;
  /**
   * The OS user check before unlock, restore and rekey. Absent only in unit tests of the vault
   * itself; the composition root always passes one.
   */
  readonly presence?: UserPresence;
  readonly onLocked?: (reason: LockReason) => void;
  readonly onUnlocked?: (vaultId: string) => void;
  /** scrypt parameters for new recovery wraps (tests lower them; the wrap records what it used). */
  readonly recoveryKdf?: ScryptParams;
  readonly fault?: (point: FaultPoint) => void;
  /** IT's word on the PIN and escrow unlockers (default: PIN allowed, no escrow). */
  readonly unlockerPolicy?: () => Promise<UnlockerPolicy>;
  /** argon2id cost for new PIN wraps (tests lower it; each wrap records what it used). */
  readonly pinKdf?: PinKdf;
  /** The app version, recorded in each backup. */
  readonly appVersion?: string;
  /** A backup directory named by IT's policy or the user (read at each use); null: inside the vault. */
  readonly backupLocation?: () => BackupLocation | null;
  /** Decides whether a locked vault, once open, may be released (the offline lease). */
  readonly releaseGate?: ReleaseGate;
  /**
   * When the last person was erased in the open vault (issue 12, the CRM keeps it): backups made
   * before it are listed `containsErased` and purged by `purgeErasedBackups`. Absent: never marked.
   */
  readonly lastErasedAt?: (db: Db) => number | null;
}
