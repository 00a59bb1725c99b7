/**
 * Child for the memory scan: sets up a vault on the real keychain, writes, backs up, locks, unlocks and
 * rekeys, then reports `UNLOCKED`; on a line `lock` from the parent it locks and reports `LOCKED`, and it
 * stays alive until stdin closes so the parent can read `/proc/<pid>/mem` in both states.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { KeytarKeychain } from '../../../../electron/services/keychain/keychain.keytar';
import { silentLogger } from '../../../../electron/services/log/logger';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import { addNote, notesMigrations, TEST_KDF } from '../../support/vault';

const [dataDir, service] = process.argv.slice(2) as [string, string];
const vault = new VaultService({
  dataDir,
  keychain: new KeytarKeychain(service),
  migrations: [notesMigrations],
  logger: silentLogger,
  now: Date.now,
  recoveryKdf: TEST_KDF,
});
await vault.setup();
for (let i = 0; i < 50; i++) addNote(vault, `note ${i}`);
await vault.backup();
await vault.lock();
await vault.unlock();
await vault.rekey();
addNote(vault, 'after rekey');
writeSync(1, 'UNLOCKED\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'lock') {
    await vault.lock();
    writeSync(1, 'LOCKED\n');
  }
}
