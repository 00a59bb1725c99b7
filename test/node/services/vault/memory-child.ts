/**
 * Child for the memory scan: sets up a vault on the real keychain, writes, backs up, locks, unlocks,
 * sets a PIN (and seals to an escrow key), unlocks with the PIN and rekeys, then reports `UNLOCKED`;
 * on a line `lock` from the parent it locks and reports `LOCKED`, and it stays alive until stdin
 * closes so the parent can read `/proc/<pid>/mem` in both states.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { KeytarKeychain } from '../../../../electron/services/keychain/keychain.keytar';
import { silentLogger } from '../../../../electron/services/log/logger';
import { generateEscrowKeyPair } from '../../../../electron/services/vault/vault.escrow';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import { addNote, notesMigrations, TEST_KDF } from '../../support/vault';

const [dataDir, service] = process.argv.slice(2) as [string, string];
// IT's escrow key, so the escrow seal runs too (its private half is not kept).
const escrowKey = generateEscrowKeyPair().publicKey;
const vault = new VaultService({
  dataDir,
  keychain: new KeytarKeychain(service),
  migrations: [notesMigrations],
  logger: silentLogger,
  now: Date.now,
  recoveryKdf: TEST_KDF,
  pinKdf: { m: 256, t: 1, p: 1 },
  unlockerPolicy: () => Promise.resolve({ pin: 'allowed', escrowKey }),
});
await vault.setup();
for (let i = 0; i < 50; i++) addNote(vault, `note ${i}`);
await vault.backup();
await vault.lock();
await vault.unlock();
// The PIN path handles the unlock key and the key set too: set one, lock, open with it.
await vault.setPin('memory scan pin');
await vault.lock();
await vault.unlockWithPin('memory scan pin');
await vault.rekey();
addNote(vault, 'after rekey');
writeSync(1, 'UNLOCKED\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'lock') {
    await vault.lock();
    writeSync(1, 'LOCKED\n');
  }
}
