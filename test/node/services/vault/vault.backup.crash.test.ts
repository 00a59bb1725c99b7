import { readdirSync } from 'node:fs';
import path from 'node:path';
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

/** A locked vault with one good backup and enough data that a backup takes a moment. */
async function prepared() {
  const dir = tempDir('fv-bcrash-');
  const service = testKeychainService();
  const keychain = realKeychain(service);
  const { service: vault } = createTestVault(dir, keychain);
  await vault.setup();
  for (let i = 0; i < 400; i++) addNote(vault, `note ${i} ${'x'.repeat(500)}`);
  const backup = await vault.backup();
  await vault.lock();
  return { dir, service, keychain, backupId: backup.backupId };
}

/** What the backup directory holds: only whole backups, no temporary or partial file. */
function backupFiles(dir: string): string[] {
  return readdirSync(path.join(dir, 'vault', 'backups')).sort();
}

describe('a backup killed mid-way leaves no stray file and no half backup', () => {
  const points: FaultPoint[] = ['backup.snapshot', 'backup.written'];
  for (const point of points) {
    it(`killed at ${point}: the leftovers go at the next start, the vault and its backups still work`, async () => {
      const setup = await prepared();
      const run = await runFixture(CHILD, [setup.dir, setup.service, 'backup', point]);
      expect(run.lines, run.stderr).not.toContain('DONE');
      expect(run.signal).toBe('SIGKILL');
      // The crash left its temporary file(s) beside the backups, under a name the list never shows.
      const left = backupFiles(setup.dir).filter((f) => f.startsWith('.'));
      expect(left.length).toBeGreaterThan(0);

      const { service: vault } = createTestVault(setup.dir, setup.keychain);
      expect(backupFiles(setup.dir)).toEqual([`${setup.backupId}.fvbackup`]);
      await vault.unlock();
      expect(vault.listBackups().map((b) => b.backupId)).toEqual([setup.backupId]);
      const next = await vault.backup();
      expect(vault.listBackups().map((b) => b.backupId)).toEqual([next.backupId, setup.backupId]);
      await vault.restore(setup.backupId);
      expect(noteBodies(vault)).toHaveLength(400);
      await vault.dispose();
    });
  }

  it('killed at random moments of backups (ten times): never a stray file, never an unverifiable backup', async () => {
    const setup = await prepared();
    let killed = 0;
    for (let i = 0; i < 10; i++) {
      let timer: NodeJS.Timeout | undefined;
      // No fault point: the child is killed from outside, wherever it happens to be.
      const run = await runFixture(CHILD, [setup.dir, setup.service, 'backup', 'none'], {
        onLine: (line, kill) => {
          if (line === 'READY') timer = setTimeout(kill, Math.random() * 40);
        },
      });
      clearTimeout(timer);
      if (run.signal === 'SIGKILL') killed++;
      const { service: vault } = createTestVault(setup.dir, setup.keychain);
      expect(backupFiles(setup.dir).filter((f) => !f.endsWith('.fvbackup'))).toEqual([]);
      await vault.unlock();
      // Every file present verifies and is listed: no half backup under a final name.
      expect(vault.listBackups()).toHaveLength(backupFiles(setup.dir).length);
      await vault.lock();
    }
    expect(killed).toBeGreaterThan(0);
  });
});
