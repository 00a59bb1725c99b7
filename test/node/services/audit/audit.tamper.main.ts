import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { KEYCHAIN_SERVICE, KeytarKeychain } from '../../../../electron/services/keychain/keychain.keytar';
import { zeroKeySet } from '../../../../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';

/**
 * `tsx audit.tamper.main.ts DATA_DIR TYPE`: as someone holding the vault key (read here from the
 * keychain the dev host uses), moves the time of the newest stored event of TYPE by one millisecond
 * in place, in the entry and its column, without touching its hash. Run only while the vault is
 * locked. Prints the changed sequence number.
 */
async function main(): Promise<void> {
  const [dataDir, type] = process.argv.slice(2);
  if (!dataDir || !type) throw new Error('usage: audit.tamper.main.ts DATA_DIR TYPE');
  const layout = new VaultLayout(path.resolve(dataDir));
  const { vaultId } = JSON.parse(readFileSync(layout.manifestFile, 'utf8')) as { vaultId: string };
  const set = await new VaultKeystore(new KeytarKeychain(KEYCHAIN_SERVICE), layout).load(vaultId);
  const db = openEncryptedDatabase(layout.dbFile, set.keys[0]!.key);
  try {
    const row = db
      .prepare<[string], { seq: number; entry: string }>(
        'SELECT seq, entry FROM audit_events WHERE type = ? ORDER BY seq DESC LIMIT 1',
      )
      .get(type);
    if (!row) throw new Error(`no ${type} event`);
    const edited = row.entry.replace(/"time":(\d+)/, (_m, n: string) => `"time":${Number(n) + 1}`);
    db.prepare('UPDATE audit_events SET entry = ?, time = time + 1 WHERE seq = ?').run(edited, row.seq);
    process.stdout.write(`${row.seq}\n`);
  } finally {
    db.close();
    zeroKeySet(set);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : 'failed'}\n`);
  process.exit(1);
});
