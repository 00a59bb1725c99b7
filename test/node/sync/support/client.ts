import { existsSync } from 'node:fs';
import path from 'node:path';
import { entityDefs } from '../../../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import type { Db } from '../../../../electron/services/db/database';
import type { CallContext } from '../../../../electron/services/ipc/router';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import { silentLogger } from '../../../../electron/services/log/logger';
import { createSyncModule } from '../../../../electron/services/sync/sync.module';
import { syncMigrations } from '../../../../electron/services/sync/sync.migrations';
import { wipeVault } from '../../../../electron/services/sync/sync.wipe';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import type { EventName, EventPayload } from '../../../../shared/ipc/contract';
import type { SyncStatus } from '../../../../shared/sync/sync.contract';
import { TEST_KDF } from '../../support/vault';

export const CALL: CallContext = {
  sender: { transport: 'test', url: 'test://sync', isMainFrame: true },
  callId: 'test',
};

/** One device: a real vault (own data dir, real keychain entry), the sync module, and its CRM. */
export interface TestClient {
  readonly name: string;
  readonly dataDir: string;
  readonly keychain: Keychain;
  readonly vault: VaultService;
  readonly sync: ReturnType<typeof createSyncModule>;
  readonly statuses: SyncStatus[];
  crm(): CrmService;
  vaultId(): string | null;
  dispose(): Promise<void>;
}

export async function createClient(
  name: string,
  dataDir: string,
  keychain: Keychain,
  /** `selfWipe: false`: no wipe function, so the module's in-database fallback runs on revocation. */
  options: { autoSync?: boolean; now?: () => number; selfWipe?: boolean } = {},
): Promise<TestClient> {
  const statuses: SyncStatus[] = [];
  const vault = new VaultService({
    dataDir,
    keychain,
    migrations: [crmMigrations, syncMigrations],
    logger: silentLogger,
    now: Date.now,
    recoveryKdf: TEST_KDF,
  });
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    if (event === 'sync.statusChanged') statuses.push(payload as SyncStatus);
  };
  const sync = createSyncModule({ dataDir, logger: silentLogger, emit, now: Date.now }, vault.access, {
    autoSync: options.autoSync ?? false,
    wipeVault: options.selfWipe === false ? undefined : () => wipeVault(vault, keychain),
  });
  await vault.setup();
  let crm: CrmService | null = null;
  let crmDb: Db | null = null;
  return {
    name,
    dataDir,
    keychain,
    vault,
    sync,
    statuses,
    crm() {
      const db = vault.access.db();
      if (!crm || crmDb !== db) {
        crm = new CrmService(db, options.now ?? Date.now);
        crmDb = db;
      }
      return crm;
    },
    vaultId() {
      return vault.status().vaultId ?? null;
    },
    async dispose() {
      await sync.dispose?.();
      await vault.dispose();
    },
  };
}

type Row = Record<string, unknown>;

/** Replicated CRM state of a client (record columns except who touched them locally). */
export function crmState(db: Db): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const def of Object.values(entityDefs)) {
    out[def.kind] = db
      .prepare<[], Row>(`SELECT * FROM ${def.table} ORDER BY id`)
      .all()
      .map((r) => {
        const { updated_by: _u, created_by: _c, ...rest } = r;
        return rest;
      });
  }
  return out;
}

export function vaultFilesExist(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'vault'));
}
