import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createCrmModule } from '../../../../electron/services/crm/crm.module';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { IpcRouter } from '../../../../electron/services/ipc/router';
import { createSenderPolicy } from '../../../../electron/services/ipc/sender-policy';
import { silentLogger } from '../../../../electron/services/log/logger';
import type { ModuleContext } from '../../../../electron/services/module';
import type { VaultAccess } from '../../../../electron/services/vault/vault.access';
import { AppError, type Result } from '../../../../shared/errors';
import type { ChannelName, ChannelOutput, EventName, EventPayload } from '../../../../shared/ipc/contract';
import { tempDir } from '../../support/tmp';
import { stubHandlers, testSender } from '../../support/router';

/** A VaultAccess over one already-open database, with lock/unlock for tests. */
export class TestVault implements VaultAccess {
  private readonly lockingListeners = new Set<() => void>();
  private readonly unlockedListeners = new Set<(db: Db) => void>();
  constructor(private current: Db | null) {}
  db(): Db {
    if (!this.current) throw new AppError('VAULT_LOCKED', 'The vault is locked');
    return this.current;
  }
  isUnlocked(): boolean {
    return this.current !== null;
  }
  onUnlocked(listener: (db: Db) => void): () => void {
    this.unlockedListeners.add(listener);
    return () => this.unlockedListeners.delete(listener);
  }
  onLocking(listener: () => void): () => void {
    this.lockingListeners.add(listener);
    return () => this.lockingListeners.delete(listener);
  }
  lock(): void {
    for (const l of this.lockingListeners) l();
    this.current?.close();
    this.current = null;
  }
  unlock(db: Db): void {
    this.current = db;
    for (const l of this.unlockedListeners) l(db);
  }
}

export interface CrmFixture {
  readonly db: Db;
  readonly file: string;
  readonly key: Buffer;
  readonly vault: TestVault;
  readonly router: IpcRouter;
  readonly events: { event: EventName; payload: unknown }[];
  /** Calls a channel through the router; returns the envelope. */
  call<C extends ChannelName>(channel: C, input: unknown): Promise<Result<ChannelOutput<C>>>;
  /** Calls a channel and throws unless it succeeded. */
  ok<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>>;
}

/** A real encrypted database, migrated, behind the crm module and the real router. */
export function createCrmFixture(options: { now?: () => number; dir?: string } = {}): CrmFixture {
  const dir = options.dir ?? tempDir('fv-crm-');
  const file = path.join(dir, 'vault.db');
  const key = randomBytes(32);
  const db = openEncryptedDatabase(file, key);
  db.pragma('journal_mode = WAL');
  migrate(db, [crmMigrations]);
  const vault = new TestVault(db);
  const events: { event: EventName; payload: unknown }[] = [];
  let router: IpcRouter | null = null;
  const ctx: ModuleContext = {
    dataDir: dir,
    logger: silentLogger,
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => {
      events.push({ event, payload });
      router?.emit(event, payload);
    },
    now: options.now ?? Date.now,
  };
  const crm = createCrmModule(ctx, vault);
  router = new IpcRouter(stubHandlers({ ...crm.handlers }), {
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    logger: silentLogger,
  });
  const r = router;
  const call = async <C extends ChannelName>(channel: C, input: unknown) =>
    (await r.dispatch(channel, input, testSender)) as Result<ChannelOutput<C>>;
  return {
    db,
    file,
    key,
    vault,
    router: r,
    events,
    call,
    async ok<C extends ChannelName>(channel: C, input: unknown) {
      const res = await call<C>(channel, input);
      if (!res.ok) throw new Error(`${channel} failed: ${res.error.code} ${res.error.message}`);
      return res.value;
    },
  };
}

/**
 * Throws unless every full-text index holds exactly the terms of the search documents it indexes
 * (FTS5 integrity-check against the external content: a stale or missing entry is an error).
 */
export function checkSearchIndex(db: Db): void {
  for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri'])
    db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
}
