import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { encodeKeySet } from '../../../../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { addNote, createTestVault, noteBodies } from '../../support/vault';
import { tempDir } from '../../support/tmp';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'not-an-AppError';
  }
}

describe('keychain entries of the earlier format', () => {
  it('a key set stored in the keychain itself still opens and is moved into the keychain wrap', async () => {
    const dir = tempDir();
    const keychain = new MemoryKeychain();
    const { service } = createTestVault(dir, keychain);
    const { status } = await service.setup();
    addNote(service, 'kept');
    await service.lock();
    const set = await new VaultKeystore(keychain, new VaultLayout(dir)).load(status.vaultId!);
    await keychain.set(status.vaultId!, encodeKeySet(set));
    const fresh = createTestVault(dir, keychain).service;
    expect((await fresh.unlock()).state).toBe('unlocked');
    expect(noteBodies(fresh)).toEqual(['kept']);
    expect((await keychain.get(status.vaultId!))![0]).toBe(2);
    await fresh.lock();
    expect((await fresh.unlock()).state).toBe('unlocked');
    await fresh.dispose();
    await service.dispose();
  });
});

describe('rollback detection (open counter in the database and beside the unlock key in the keychain)', () => {
  it('reports a vault.db copied back from an older state, and the recovery code accepts it on purpose', async () => {
    const dir = tempDir();
    const keychain = new MemoryKeychain();
    const { service } = createTestVault(dir, keychain);
    const { recoveryCode } = await service.setup();
    addNote(service, 'old');
    await service.lock();
    await service.unlock();
    await service.lock();
    const db = path.join(dir, 'vault', 'vault.db');
    expect(existsSync(db + '-wal')).toBe(false);
    const old = path.join(dir, 'old.db');
    copyFileSync(db, old);

    await service.unlock();
    addNote(service, 'new');
    await service.lock();
    copyFileSync(old, db);

    expect(await codeOf(service.unlock())).toBe('VAULT_ROLLED_BACK');
    expect(service.status().state).toBe('locked');
    // Nothing was changed by the refused open: it is still the old file.
    expect(readFileSync(db).equals(readFileSync(old))).toBe(true);

    await service.recover(recoveryCode);
    expect(noteBodies(service)).toEqual(['old']);
    await service.lock();
    expect((await service.unlock()).state).toBe('unlocked');
    await service.dispose();
    rmSync(old);
  });

  it('a restore of an older backup is not a rollback', async () => {
    const dir = tempDir();
    const { service } = createTestVault(dir, new MemoryKeychain());
    await service.setup();
    addNote(service, 'in backup');
    const backup = await service.backup();
    for (let i = 0; i < 3; i++) {
      await service.lock();
      await service.unlock();
    }
    addNote(service, 'after backup');
    await service.restore(backup.backupId);
    expect(noteBodies(service)).toEqual(['in backup']);
    await service.lock();
    expect((await service.unlock()).state).toBe('unlocked');
    await service.dispose();
  });
});
