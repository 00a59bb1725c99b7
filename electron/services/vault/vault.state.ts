import { AppError } from '../../../shared/errors';
import type { Db } from '../db/database';
import type { SchemaVersions } from '../db/migrate';
import { VaultListeners, type VaultAccess } from './vault.access';
import type { LockReason, OpenOptions } from './vault.internals';
import { zeroKeySet, type KeySet } from './vault.keyset';
import type { VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';
import type { VaultServiceOptions } from './vault.options';
import { openChecked } from './vault.unlock';

/**
 * The open database and the key set it is encrypted with: the only code that sets or clears them.
 * `VaultService` runs the lifecycle operations and calls in here to open, re-key in memory, close
 * and lock; other services reach the database through `access`, which holds no key.
 */
export class VaultState {
  private openDb: Db | null = null;
  private keySet: KeySet | null = null;
  private schemaSeen: SchemaVersions | null = null;
  private readonly listeners = new VaultListeners();
  readonly access: VaultAccess;

  constructor(
    private readonly layout: VaultLayout,
    private readonly keystore: VaultKeystore,
    private readonly options: VaultServiceOptions,
    wipe: () => Promise<unknown>,
  ) {
    this.access = {
      db: () => {
        if (this.openDb) return this.openDb;
        throw this.layout.manifest()
          ? new AppError('VAULT_LOCKED', 'The vault is locked')
          : new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
      },
      isUnlocked: () => this.openDb !== null,
      onUnlocked: (listener) => this.listeners.onUnlocked(listener),
      onLocking: (listener) => this.listeners.onLocking(listener),
      wipe: async () => {
        await wipe();
      },
    };
  }

  get db(): Db | null {
    return this.openDb;
  }
  get keys(): KeySet | null {
    return this.keySet;
  }
  /** The schema versions recorded when the database opened (null while locked). */
  get schema(): SchemaVersions | null {
    return this.schemaSeen;
  }

  /** Opens the database with `set`, checks it, migrates, tidies the key set; takes ownership of `set`. */
  async open(vaultId: string, set: KeySet, options: OpenOptions = {}): Promise<void> {
    const checked = await openChecked(
      {
        layout: this.layout,
        keystore: this.keystore,
        logger: this.options.logger,
        migrations: this.options.migrations,
        releaseGate: this.options.releaseGate,
      },
      vaultId,
      set,
      options,
    );
    this.opened(checked.db, checked.keys, vaultId, checked.schema);
  }

  /** Takes an open, checked database and its key set (set-up and `open`), and tells the listeners. */
  opened(db: Db, set: KeySet, vaultId: string, schema: SchemaVersions): void {
    this.openDb = db;
    this.keySet = set;
    this.schemaSeen = schema;
    this.listeners.runUnlocked(db);
    this.options.logger.log('info', 'vault.unlocked', { vaultId });
    this.options.onUnlocked?.(vaultId);
  }

  /** Replaces the key set of the open database (a renewed recovery code), zeroing the old one. */
  replaceKeys(set: KeySet): void {
    zeroKeySet(this.keySet);
    this.keySet = set;
  }

  /** Zeroes and forgets the key set. */
  dropKeys(): void {
    zeroKeySet(this.keySet);
    this.keySet = null;
  }

  /** Closes the database (locking listeners first) but keeps the key set. */
  closeDb(): void {
    if (!this.openDb) return;
    this.listeners.runLocking(() => this.options.logger.log('warn', 'vault.lockListenerFailed', {}));
    const db = this.openDb;
    this.openDb = null;
    this.schemaSeen = null;
    db.close();
  }

  /** Closes the database, zeroes every key (the keystore's cache too); safe to call while locked. */
  lockNow(reason: LockReason): void {
    const wasOpen = this.openDb !== null;
    this.closeDb();
    this.dropKeys();
    this.keystore.forget();
    if (!wasOpen) return;
    this.options.logger.log('info', 'vault.locked', { reason });
    this.options.onLocked?.(reason);
  }
}
