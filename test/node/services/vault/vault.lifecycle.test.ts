import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  copyFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../../../shared/errors';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { encodeKeySet, newVaultKey } from '../../../../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { addNote, createTestVault, noteBodies, realKeychain } from '../../support/vault';
import { tempDir } from '../../support/tmp';

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<ErrorCode | 'ok'> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

/** Flips one byte in the middle of a file (a damaged disk sector). */
function damage(file: string, at: number): void {
  const fd = openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  const { size } = statSync(file);
  const pos = Math.min(at, size - 1);
  const b = readFileSync(file)[pos]!;
  byte[0] = b ^ 0xff;
  writeSync(fd, byte, 0, 1, pos);
  closeSync(fd);
}

describe('vault lifecycle (real encrypted SQLite, real Secret Service)', () => {
  it('sets up once, shows a typeable recovery code, reports status, locks and unlocks', async () => {
    const dir = tempDir();
    const { service, events } = createTestVault(dir, realKeychain());
    expect(service.status()).toEqual({ state: 'not_set_up', vaultId: null, cipher: null, schema: null });
    expect(await codeOf(service.unlock())).toBe('VAULT_NOT_SET_UP');

    const { status, recoveryCode } = await service.setup();
    expect(recoveryCode).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(status).toMatchObject({
      state: 'unlocked',
      cipher: 'aegis-256',
      schema: { vault: 1, test_notes: 1 },
    });
    expect(status.vaultId).toMatch(/^[a-f0-9]{32}$/);
    expect(await codeOf(service.setup())).toBe('VAULT_ALREADY_SET_UP');

    addNote(service, 'first note');
    const locked = await service.lock();
    expect(locked).toEqual({ state: 'locked', vaultId: status.vaultId, cipher: 'aegis-256', schema: null });
    expect(events.map((e) => e.event)).toEqual(['vault.unlocked', 'vault.locked']);
    expect(() => service.access.db()).toThrow(expect.objectContaining({ code: 'VAULT_LOCKED' }));

    expect((await service.unlock()).state).toBe('unlocked');
    expect(noteBodies(service)).toEqual(['first note']);
    await service.dispose();
  });

  it('zeroes the key buffers it held when it locks', async () => {
    const handed: Uint8Array[] = [];
    const inner = new MemoryKeychain();
    const spy: Keychain = {
      get: async (a) => {
        const v = await inner.get(a);
        if (v) handed.push(v);
        return v;
      },
      set: (a, s) => inner.set(a, s),
      delete: (a) => inner.delete(a),
    };
    const { service } = createTestVault(tempDir(), spy);
    await service.setup();
    await service.lock();
    await service.unlock();
    await service.lock();
    expect(handed.length).toBe(1);
    expect(handed[0]!.every((b) => b === 0)).toBe(true);
  });

  it('KEY_MISSING when the keychain entry is gone; recovery restores it, with a growing delay for wrong codes', async () => {
    let clock = Date.parse('2026-11-22T10:00:00Z');
    const keychain = realKeychain();
    const dir = tempDir();
    const { service } = createTestVault(dir, keychain, { now: () => clock });
    const { status, recoveryCode } = await service.setup();
    addNote(service, 'before the new laptop');
    await service.lock();
    await keychain.delete(status.vaultId!);
    expect(await codeOf(service.unlock())).toBe('KEY_MISSING');

    // A code with a typo is told apart from a wrong code and costs no delay.
    const typo = recoveryCode.slice(0, 5) + (recoveryCode[5] === 'A' ? 'B' : 'A') + recoveryCode.slice(6);
    expect(await messageOf(service.recover(typo))).toMatch(/typo/);
    expect(await codeOf(service.recover('not a code at all, far too short'))).toBe('RECOVERY_CODE_INVALID');

    // A well-formed wrong code: clear error, then a delay that doubles.
    const wrong = (await createTestVault(tempDir(), new MemoryKeychain()).service.setup()).recoveryCode;
    expect(await messageOf(service.recover(wrong))).toMatch(/does not open this vault.*1 s/);
    expect(await codeOf(service.recover(recoveryCode))).toBe('RATE_LIMITED');
    clock += 1_000;
    expect(await messageOf(service.recover(wrong))).toMatch(/2 s/);
    clock += 1_000;
    expect(await codeOf(service.recover(recoveryCode))).toBe('RATE_LIMITED');
    clock += 1_000;

    // Typed loosely: lower case, spaces instead of hyphens.
    const typed = recoveryCode.toLowerCase().replace(/-/g, ' ');
    const recovered = await service.recover(typed);
    expect(recovered.state).toBe('unlocked');
    expect(noteBodies(service)).toEqual(['before the new laptop']);
    expect(await keychain.get(status.vaultId!)).not.toBeNull();
    await service.lock();
    expect((await service.unlock()).state).toBe('unlocked');
    await service.dispose();
  });

  it('WRONG_KEY when the keychain holds a key that does not open the file; no plaintext fallback', async () => {
    const keychain = new MemoryKeychain();
    const dir = tempDir();
    const { service } = createTestVault(dir, keychain);
    const { status } = await service.setup();
    await service.lock();
    await keychain.set(status.vaultId!, encodeKeySet({ keys: [newVaultKey()], kek: null }));
    expect(await codeOf(service.unlock())).toBe('WRONG_KEY');
    expect(service.status().state).toBe('locked');
  });

  it('keychain unavailable at set-up: typed error and nothing written', async () => {
    const broken: Keychain = {
      get: () => Promise.reject(new AppError('KEYCHAIN_UNAVAILABLE', 'no keychain')),
      set: () => Promise.reject(new AppError('KEYCHAIN_UNAVAILABLE', 'no keychain')),
      delete: () => Promise.reject(new AppError('KEYCHAIN_UNAVAILABLE', 'no keychain')),
    };
    const dir = tempDir();
    const { service } = createTestVault(dir, broken);
    expect(await codeOf(service.setup())).toBe('KEYCHAIN_UNAVAILABLE');
    expect(service.status().state).toBe('not_set_up');
    expect(existsSync(path.join(dir, 'vault', 'vault.db'))).toBe(false);
  });

  it('backs up and restores; the restore itself is undoable', async () => {
    const { service } = createTestVault(tempDir(), realKeychain());
    await service.setup();
    addNote(service, 'kept');
    const backup = await service.backup();
    expect(backup.bytes).toBeGreaterThan(0);
    addNote(service, 'after the backup');
    expect(service.listBackups().map((b) => b.backupId)).toEqual([backup.backupId]);

    const status = await service.restore(backup.backupId);
    expect(status.state).toBe('unlocked');
    expect(noteBodies(service)).toEqual(['kept']);
    const undo = service.listBackups().find((b) => b.backupId.startsWith('pre-restore-'));
    expect(undo).toBeDefined();
    await service.restore(undo!.backupId);
    expect(noteBodies(service)).toEqual(['kept', 'after the backup']);
    await service.dispose();
  });

  it('CORRUPT_STORE for a damaged database (every page is authenticated), and restore brings it back', async () => {
    const dir = tempDir();
    const { service } = createTestVault(dir, realKeychain());
    await service.setup();
    for (let i = 0; i < 200; i++) addNote(service, `note ${i} ${'x'.repeat(200)}`);
    const backup = await service.backup();
    await service.lock();
    const dbFile = path.join(dir, 'vault', 'vault.db');
    damage(dbFile, Math.floor(statSync(dbFile).size / 2));
    // A clean open reads only the schema; the damaged page fails its tag when read, at the latest when
    // the next backup reads every page.
    const opened = await codeOf(service.unlock());
    expect(['ok', 'CORRUPT_STORE']).toContain(opened);
    if (opened === 'ok') expect(await codeOf(service.backup())).toBe('CORRUPT_STORE');
    expect(service.listBackups()).toHaveLength(1);
    await service.restore(backup.backupId);
    expect(noteBodies(service)).toHaveLength(200);
    await service.dispose();
  });

  it('after a crash (WAL left behind) unlock checks every page and reports CORRUPT_STORE', async () => {
    const dir = tempDir();
    const { service } = createTestVault(dir, realKeychain());
    await service.setup();
    for (let i = 0; i < 200; i++) addNote(service, `note ${i} ${'x'.repeat(200)}`);
    await service.lock();
    const dbFile = path.join(dir, 'vault', 'vault.db');
    damage(dbFile, Math.floor(statSync(dbFile).size / 2));
    writeFileSync(dbFile + '-wal', Buffer.alloc(0));
    expect(await codeOf(service.unlock())).toBe('CORRUPT_STORE');
    expect(service.status().state).toBe('locked');
  });

  it('refuses a corrupted, a truncated and a foreign backup, leaving the current vault untouched', async () => {
    const dir = tempDir();
    const { service } = createTestVault(dir, realKeychain());
    await service.setup();
    addNote(service, 'original');
    const good = await service.backup();
    addNote(service, 'current');
    const backups = path.join(dir, 'vault', 'backups');
    const goodFile = path.join(backups, `${good.backupId}.fvbackup`);
    const bytes = readFileSync(goodFile);

    writeFileSync(path.join(backups, 'corrupted.fvbackup'), bytes);
    damage(path.join(backups, 'corrupted.fvbackup'), Math.floor(bytes.length / 2));
    writeFileSync(path.join(backups, 'truncated.fvbackup'), bytes.subarray(0, bytes.length - 100));
    writeFileSync(path.join(backups, 'garbage.fvbackup'), Buffer.from('not a backup at all'));

    const other = createTestVault(tempDir(), realKeychain()).service;
    await other.setup();
    addNote(other, 'someone else');
    const foreign = await other.backup();
    copyFileSync(
      path.join(other.backupDir, `${foreign.backupId}.fvbackup`),
      path.join(backups, 'foreign.fvbackup'),
    );
    await other.dispose();

    const dbBefore = readFileSync(path.join(dir, 'vault', 'vault.db'));
    for (const id of ['corrupted', 'truncated', 'garbage', 'foreign']) {
      expect(await codeOf(service.restore(id)), id).toBe('BACKUP_INVALID');
      expect(service.status().state).toBe('unlocked');
      expect(noteBodies(service)).toEqual(['original', 'current']);
    }
    expect(readdirSync(path.join(dir, 'vault')).filter((f) => f.includes('restoring'))).toEqual([]);
    expect(readFileSync(path.join(dir, 'vault', 'vault.db')).equals(dbBefore)).toBe(true);
    // Unlocked, listing verifies every byte: only the good backup is offered, never the damaged copies.
    expect(service.listBackups().map((b) => b.backupId)).toEqual([good.backupId]);
    expect(await codeOf(service.restore('no-such-backup'))).toBe('NOT_FOUND');
    await service.dispose();
  });

  it('rekey: a new key opens the file, the old one does not; old backups and the recovery code still work', async () => {
    const dir = tempDir();
    const keychain = realKeychain();
    const { service } = createTestVault(dir, keychain);
    const { status, recoveryCode } = await service.setup();
    addNote(service, 'before rekey');
    const oldBackup = await service.backup();
    // The keychain holds the unlock key; the key set is what it opens.
    const before = await new VaultKeystore(keychain, new VaultLayout(dir)).load(status.vaultId!);
    const oldKey = before.keys[0]!;

    await service.rekey();
    addNote(service, 'after rekey');
    const after = await new VaultKeystore(keychain, new VaultLayout(dir)).load(status.vaultId!);
    expect(Buffer.from(after.keys[0]!.key).equals(Buffer.from(oldKey.key))).toBe(false);
    // The old key stays only because a backup still needs it.
    expect(after.keys).toHaveLength(2);
    await service.lock();
    expect(await codeOf(() => openEncryptedDatabase(service.dbFile, oldKey.key))).toBe('WRONG_KEY');
    openEncryptedDatabase(service.dbFile, after.keys[0]!.key).close();

    await keychain.delete(status.vaultId!);
    await service.recover(recoveryCode);
    expect(noteBodies(service)).toEqual(['before rekey', 'after rekey']);
    await service.restore(oldBackup.backupId);
    expect(noteBodies(service)).toEqual(['before rekey']);
    await service.lock();
    // The restored file is under the current key.
    openEncryptedDatabase(service.dbFile, after.keys[0]!.key).close();
    await service.dispose();
  });

  it('wipe (revoked device): locks, removes the keychain entry and every vault file', async () => {
    const dir = tempDir();
    const keychain = realKeychain();
    const { service, events } = createTestVault(dir, keychain);
    const { status } = await service.setup();
    addNote(service, 'customer');
    await service.backup();
    expect(await service.wipe()).toEqual({ state: 'not_set_up', vaultId: null, cipher: null, schema: null });
    expect(events.at(-1)).toEqual({ event: 'vault.locked', payload: { reason: 'revoked' } });
    expect(await keychain.get(status.vaultId!)).toBeNull();
    expect(existsSync(path.join(dir, 'vault'))).toBe(false);
    expect((await service.setup()).status.state).toBe('unlocked');
    await service.dispose();
  });

  it('several vaults on one machine use separate keychain entries', async () => {
    const keychain = realKeychain();
    const a = createTestVault(tempDir(), keychain).service;
    const b = createTestVault(tempDir(), keychain).service;
    const sa = await a.setup();
    const sb = await b.setup();
    expect(sa.status.vaultId).not.toBe(sb.status.vaultId);
    addNote(a, 'in a');
    addNote(b, 'in b');
    await a.lock();
    await b.lock();
    await a.unlock();
    await b.unlock();
    expect(noteBodies(a)).toEqual(['in a']);
    expect(noteBodies(b)).toEqual(['in b']);
    await a.dispose();
    await b.dispose();
  });
});
