import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../../../electron/services/vault/vault.service';
import {
  addNote,
  createTestVault,
  noteBodies,
  realKeychain,
  runFixture,
  testKeychainService,
} from '../../support/vault';
import { tempDir } from '../../support/tmp';

const CHILD = 'test/node/fixtures/vault-fault-child.ts';

/** A vault with a backup holding ['a'] and live data ['a', 'b'], locked. */
async function prepared() {
  const dir = tempDir('fv-fault-');
  const service = testKeychainService();
  const keychain = realKeychain(service);
  const { service: vault } = createTestVault(dir, keychain);
  const { status, recoveryCode } = await vault.setup();
  addNote(vault, 'a');
  const backup = await vault.backup();
  addNote(vault, 'b');
  await vault.lock();
  return { dir, service, keychain, vaultId: status.vaultId!, recoveryCode, backupId: backup.backupId };
}

async function killAt(
  dir: string,
  service: string,
  op: string,
  point: FaultPoint,
  backupId = '',
): Promise<void> {
  const run = await runFixture(CHILD, [dir, service, op, point, backupId]);
  expect(run.lines, run.stderr).not.toContain('DONE');
  expect(run.signal).toBe('SIGKILL');
}

/** After the crash: the vault opens from the keychain, from the recovery code alone, and keeps working. */
async function checkOpens(
  setup: Awaited<ReturnType<typeof prepared>>,
  acceptable: string[][],
): Promise<void> {
  const { service: vault } = createTestVault(setup.dir, setup.keychain);
  expect((await vault.unlock()).state).toBe('unlocked');
  const data = noteBodies(vault);
  expect(acceptable).toContainEqual(data);
  expect(vault.access.db().pragma('integrity_check', { simple: true })).toBe('ok');
  await vault.lock();

  // The recovery wrap also holds the key the file uses, at every step.
  await setup.keychain.delete(setup.vaultId);
  expect((await vault.recover(setup.recoveryCode)).state).toBe('unlocked');
  expect(noteBodies(vault)).toEqual(data);

  // And the vault keeps working: another rekey, backup and restore of the old backup.
  await vault.rekey();
  await vault.restore(setup.backupId);
  expect(noteBodies(vault)).toEqual(['a']);
  await vault.dispose();
}

const REKEY_POINTS: FaultPoint[] = [
  'rekey.keychain-pending',
  'rekey.recovery-pending',
  'rekey.copied',
  'rekey.closed',
  'rekey.swapped',
  'rekey.keychain-final',
  'rekey.done',
];
const RESTORE_POINTS: FaultPoint[] = ['restore.verified', 'restore.closed', 'restore.swapped'];

describe('rekey and restore killed between steps never leave an unopenable vault', () => {
  for (const point of REKEY_POINTS) {
    it(`rekey killed at ${point}`, async () => {
      const setup = await prepared();
      await killAt(setup.dir, setup.service, 'rekey', point);
      await checkOpens(setup, [['a', 'b']]);
    });
  }

  for (const point of RESTORE_POINTS) {
    it(`restore killed at ${point}`, async () => {
      const setup = await prepared();
      await killAt(setup.dir, setup.service, 'restore', point, setup.backupId);
      await checkOpens(setup, [['a', 'b'], ['a']]);
    });
  }

  for (const point of ['setup.keychain', 'setup.recovery', 'setup.database'] as FaultPoint[]) {
    it(`set-up killed at ${point} can simply be run again`, async () => {
      const dir = tempDir('fv-fault-');
      const service = testKeychainService();
      await killAt(dir, service, 'setup', point);
      const { service: vault } = createTestVault(dir, realKeychain(service));
      expect(vault.status().state).toBe('not_set_up');
      expect((await vault.setup()).status.state).toBe('unlocked');
      addNote(vault, 'fresh');
      await vault.lock();
      await vault.unlock();
      expect(noteBodies(vault)).toEqual(['fresh']);
      await vault.dispose();
    });
  }
});
