import { copyFileSync, existsSync, rmSync } from 'node:fs';
import type { AuditEventInput } from '../../../../shared/audit/audit.schemas';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import type { KeytarKeychain } from '../../../../electron/services/keychain/keychain.keytar';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { zeroKeySet } from '../../../../electron/services/vault/vault.keyset';
import type { ServiceOptions } from '../../../../electron/services/services';
import { createTestServices, testSender } from '../../support/router';
import { realKeychain, TEST_KDF } from '../../support/vault';

/** The shipped composition over a temp dir, the real Secret Service and the real encrypted store. */
export function auditServices(
  dataDir: string,
  keychain: KeytarKeychain = realKeychain(),
  overrides: Partial<ServiceOptions> = {},
) {
  const services = createTestServices(dataDir, { keychain, tuning: { recoveryKdf: TEST_KDF }, ...overrides });
  const call = async (channel: string, input?: unknown) =>
    services.router.dispatch(channel, input, testSender);
  const value = async <T>(channel: string, input?: unknown): Promise<T> => {
    const result = await call(channel, input);
    if (!result.ok) throw new Error(`${channel} failed: ${result.error.code}`);
    return result.value as T;
  };
  return { services, keychain, call, value };
}

/** A mixed batch of events through the `AuditSink` seam, as services record them. */
export function sampleEvents(n: number): AuditEventInput[] {
  const kinds: AuditEventInput[] = [
    { type: 'data.export', outcome: 'ok', details: { exportKind: 'csv', entity: 'contact', count: 12 } },
    { type: 'vault.unlock', outcome: 'denied', details: { errorCode: 'AUTH_DENIED' } },
    { type: 'device.revoked', outcome: 'ok', details: { deviceId: 'd'.repeat(32) } },
    {
      type: 'policy.changed',
      outcome: 'ok',
      details: { managedKeys: ['lockTimeoutMinutes'], restricted: false },
    },
    { type: 'vault.backup', outcome: 'failed', details: { errorCode: 'DISK_FULL' } },
  ];
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length]!);
}

/**
 * A second connection to the vault's encrypted database with the real key (read from the keychain
 * as an attacker holding the vault key would), while the app has it locked.
 */
export async function withVaultDb(
  dataDir: string,
  keychain: KeytarKeychain,
  vaultId: string,
  fn: (db: Db) => void,
): Promise<void> {
  const layout = new VaultLayout(dataDir);
  const set = await new VaultKeystore(keychain, layout).load(vaultId);
  const db = openEncryptedDatabase(layout.dbFile, set.keys[0]!.key);
  try {
    fn(db);
  } finally {
    db.close();
    zeroKeySet(set);
  }
}

/** Saves the vault file and both keychain entries, so each tampering run starts from the same state. */
export async function snapshot(dataDir: string, keychain: KeytarKeychain, vaultId: string) {
  const layout = new VaultLayout(dataDir);
  const saved = `${layout.dbFile}.saved`;
  copyFileSync(layout.dbFile, saved);
  const vaultEntry = await keychain.get(vaultId);
  const auditEntry = await keychain.get(`${vaultId}.audit`);
  if (!vaultEntry || !auditEntry) throw new Error('keychain entries missing');
  return async (): Promise<void> => {
    for (const f of ['-wal', '-shm']) if (existsSync(layout.dbFile + f)) rmSync(layout.dbFile + f);
    copyFileSync(saved, layout.dbFile);
    await keychain.set(vaultId, vaultEntry);
    await keychain.set(`${vaultId}.audit`, auditEntry);
  };
}
