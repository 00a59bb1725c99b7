import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { readBackupHeader } from '../../../../electron/services/vault/vault.backup';
import type { BackupLocation } from '../../../../electron/services/vault/vault.backupdir';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { findKey } from '../../../../electron/services/vault/vault.keyset';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import { silentLogger } from '../../../../electron/services/log/logger';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import {
  addNote,
  createTestVault,
  noteBodies,
  notesMigrations,
  realKeychain,
  TEST_KDF,
} from '../../support/vault';
import { tempDir } from '../../support/tmp';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import { composeVault } from '../auth/presence.support';

const DAY = 86_400_000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'thrown';
  }
}

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(file, bytes);
}

const open: VaultService[] = [];
afterEach(async () => {
  for (const v of open.splice(0)) await v.dispose();
});

function vault(
  dir: string,
  keychain: Keychain,
  extra: {
    now?: () => number;
    location?: () => BackupLocation | null;
    lastErasedAt?: () => number | null;
  } = {},
) {
  const service = new VaultService({
    dataDir: dir,
    keychain,
    migrations: [notesMigrations],
    logger: silentLogger,
    now: extra.now ?? Date.now,
    recoveryKdf: TEST_KDF,
    appVersion: '9.8.7',
    backupLocation: extra.location,
    ...(extra.lastErasedAt ? { lastErasedAt: extra.lastErasedAt } : {}),
  });
  open.push(service);
  return service;
}

describe('backups that survive real life (issue 13 item 8)', () => {
  it('a backup carried away on a USB stick restores after a rekey, on a fresh keychain, with the recovery code', async () => {
    const dir = tempDir('fv-usb-');
    const keychain = realKeychain();
    const service = vault(dir, keychain);
    const { status, recoveryCode } = await service.setup();
    addNote(service, 'on the stick');
    const made = await service.backup();
    // Onto the stick, then the vault moves on: two rekeys with no backup left to keep the old key.
    const stick = tempDir('fv-stick-');
    const onStick = path.join(stick, `${made.backupId}.fvbackup`);
    renameSync(path.join(service.backupDir, `${made.backupId}.fvbackup`), onStick);
    addNote(service, 'after the backup');
    await service.rekey();
    await service.rekey();
    await service.lock();
    const keyId = readBackupHeader(onStick).header.keyId;
    const layout = new VaultLayout(dir);
    const set = await new VaultKeystore(keychain, layout).load(status.vaultId!);
    // Neither the keychain's key set nor the recovery wrap holds the backup's key any more.
    expect(findKey(set, keyId)).toBeUndefined();

    // A fresh keychain (new laptop account, reinstalled OS): recovery code, then the stick.
    const fresh = vault(dir, realKeychain());
    expect(await codeOf(fresh.unlock())).toBe('KEY_MISSING');
    await fresh.recover(recoveryCode);
    const imported = await fresh.importBackup(onStick);
    expect(imported).toMatchObject({
      backupId: made.backupId,
      verified: true,
      needsCode: false,
      appVersion: '9.8.7',
    });
    expect(fresh.listBackups().map((b) => b.backupId)).toContain(made.backupId);
    const restored = await fresh.restore(made.backupId);
    expect(restored.state).toBe('unlocked');
    expect(restored.restored).toMatchObject({
      backupId: made.backupId,
      createdAt: made.createdAt,
      appVersion: '9.8.7',
    });
    expect(noteBodies(fresh)).toEqual(['on the stick']);
  });

  it('after the code was renewed, the old code (given with the restore) opens the old backup', async () => {
    const dir = tempDir('fv-usb2-');
    const service = vault(dir, realKeychain());
    const { recoveryCode: oldCode } = await service.setup();
    addNote(service, 'old');
    const made = await service.backup();
    const stick = path.join(tempDir('fv-stick2-'), `${made.backupId}.fvbackup`);
    renameSync(path.join(service.backupDir, `${made.backupId}.fvbackup`), stick);
    const newCode = await service.renewRecoveryCode();
    await service.confirmRecoveryCode();
    await service.rekey();
    await service.lock();

    const fresh = vault(dir, realKeychain());
    await fresh.recover(newCode);
    // The new code's wrapping key does not open the old wrap: not importable, not restorable without the old code.
    expect(await codeOf(fresh.importBackup(stick))).toBe('BACKUP_INVALID');
    mkdirSync(fresh.backupDir, { recursive: true });
    renameSync(stick, path.join(fresh.backupDir, `${made.backupId}.fvbackup`));
    // Listed, but not as verified: it says it needs the recovery code from when it was made.
    expect(fresh.listBackups()).toMatchObject([
      { backupId: made.backupId, verified: false, needsCode: true },
    ]);
    expect(await codeOf(fresh.restore(made.backupId))).toBe('BACKUP_INVALID');
    expect(noteBodies(fresh)).toEqual(['old']);
    addNote(fresh, 'newer');
    const restored = await fresh.restore(made.backupId, oldCode);
    expect(restored.restored.backupId).toBe(made.backupId);
    expect(noteBodies(fresh)).toEqual(['old']);
  });

  it('lists only backups whose every byte verifies; tampered and truncated copies are never restorable', async () => {
    const dir = tempDir('fv-list-');
    const service = vault(dir, realKeychain());
    await service.setup();
    for (let i = 0; i < 50; i++) addNote(service, `note ${i} ${'x'.repeat(100)}`);
    const good = await service.backup();
    const goodFile = path.join(service.backupDir, `${good.backupId}.fvbackup`);
    const bytes = readFileSync(goodFile);
    const tampered = path.join(service.backupDir, 'backup-tampered.fvbackup');
    writeFileSync(tampered, bytes);
    flipByte(tampered, Math.floor(bytes.length / 2));
    writeFileSync(
      path.join(service.backupDir, 'backup-truncated.fvbackup'),
      bytes.subarray(0, bytes.length - 1),
    );
    // A tampered header (the time shown in the list) fails the MAC as well.
    const header = path.join(service.backupDir, 'backup-header.fvbackup');
    writeFileSync(
      header,
      Buffer.from(bytes.toString('latin1').replace(good.createdAt.slice(0, 4), '2099'), 'latin1'),
    );

    expect(service.listBackups().map((b) => b.backupId)).toEqual([good.backupId]);
    expect(service.listBackups()[0]).toMatchObject({ verified: true, appVersion: '9.8.7' });
    for (const id of ['backup-tampered', 'backup-truncated', 'backup-header']) {
      expect(await codeOf(service.restore(id)), id).toBe('BACKUP_INVALID');
    }
    // Locked, only headers can be read: they are shown as not verified, and restore still verifies.
    await service.lock();
    const locked = service.listBackups();
    expect(locked.every((b) => !b.verified)).toBe(true);
    expect(locked.map((b) => b.backupId)).not.toContain('backup-truncated');
  });

  it('retention by count and by age, one-click delete and "delete all older than"', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const dir = tempDir('fv-retain-');
    const service = vault(dir, realKeychain(), { now: () => now });
    await service.setup();
    const made: string[] = [];
    for (let day = 0; day < 5; day++) {
      now += DAY;
      made.push((await service.backup()).backupId);
    }
    expect(service.listBackups()).toHaveLength(5);
    // By age: those made more than 3 days before this backup go in the same step.
    now += DAY;
    const sixth = (await service.backup({ maxAgeDays: 3 })).backupId;
    expect(service.listBackups().map((b) => b.backupId)).toEqual([sixth, made[4], made[3], made[2]]);
    // Keep N and age together: the stricter wins.
    now += DAY;
    const seventh = (await service.backup({ keep: 2, maxAgeDays: 30 })).backupId;
    expect(service.listBackups().map((b) => b.backupId)).toEqual([seventh, sixth]);
    // An age limit never deletes the only backup.
    now += 100 * DAY;
    const last = (await service.backup({ maxAgeDays: 1 })).backupId;
    expect(service.listBackups().map((b) => b.backupId)).toEqual([last]);

    now += DAY;
    const a = (await service.backup()).backupId;
    now += DAY;
    const b = (await service.backup()).backupId;
    expect(await service.deleteBackups({ backupId: a })).toEqual({ deleted: 1 });
    expect(service.listBackups().map((x) => x.backupId)).toEqual([b, last]);
    expect(await codeOf(service.deleteBackups({ backupId: a }))).toBe('NOT_FOUND');
    expect(await codeOf(service.deleteBackups({ backupId: '../manifest' }))).toBe('VALIDATION');
    // "Older than" a time after every backup still keeps the newest.
    expect(await service.deleteBackups({ before: new Date(now + DAY).toISOString() })).toEqual({
      deleted: 1,
    });
    expect(service.listBackups().map((x) => x.backupId)).toEqual([b]);
  });

  it('backups made before an erasure are listed as containing erased data and purged in one action (issue 12)', async () => {
    let now = Date.parse('2026-02-01T10:00:00Z');
    let erasedAt: number | null = null;
    const dir = tempDir('fv-erased-');
    const service = vault(dir, realKeychain(), { now: () => now, lastErasedAt: () => erasedAt });
    await service.setup();
    const before: string[] = [];
    for (let i = 0; i < 3; i++) {
      now += DAY;
      before.push((await service.backup()).backupId);
    }
    expect(service.listBackups().every((b) => !b.containsErased)).toBe(true);
    // Nothing erased yet: the purge deletes nothing.
    expect(await service.purgeErasedBackups()).toEqual({ deleted: 0 });
    now += DAY;
    erasedAt = now;
    now += 1;
    const fresh = await service.backup();
    expect(fresh.containsErased).toBe(false);
    const listed = service.listBackups();
    expect(listed.filter((b) => b.containsErased).map((b) => b.backupId)).toEqual([...before].reverse());
    expect(listed.find((b) => b.backupId === fresh.backupId)?.containsErased).toBe(false);
    expect(await service.purgeErasedBackups()).toEqual({ deleted: 3 });
    expect(service.listBackups().map((b) => b.backupId)).toEqual([fresh.backupId]);
    // When every backup predates the erasure, the newest goes too: none may keep the person.
    erasedAt = now + DAY;
    expect(await service.purgeErasedBackups()).toEqual({ deleted: 1 });
    expect(service.listBackups()).toEqual([]);
  });

  it('a backup directory named by policy: created 0700, used, refused when a symlink or world-writable, wiped with the vault', async () => {
    const root = tempDir('fv-bdir-');
    let location: BackupLocation | null = { dir: path.join(root, 'managed', 'backups'), source: 'policy' };
    const dir = tempDir('fv-bdir-vault-');
    const service = vault(dir, realKeychain(), { location: () => location });
    await service.setup();
    addNote(service, 'kept elsewhere');
    const made = await service.backup();
    const managed = path.join(root, 'managed', 'backups');
    expect(statSync(managed).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(managed, `${made.backupId}.fvbackup`))).toBe(true);
    expect(existsSync(path.join(dir, 'vault', 'backups', `${made.backupId}.fvbackup`))).toBe(false);
    expect(service.listBackups().map((b) => b.backupId)).toEqual([made.backupId]);

    const real = path.join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, path.join(root, 'link'));
    location = { dir: path.join(root, 'link'), source: 'policy' };
    const linked = await service.backup().catch((e: unknown) => e);
    expect(linked).toBeInstanceOf(AppError);
    expect((linked as AppError).code).toBe('BACKUP_DIRECTORY_UNSAFE');
    expect((linked as AppError).message).toMatch(/organization/);
    expect(readdirSync(real)).toEqual([]);

    const open777 = path.join(root, 'shared');
    mkdirSync(open777);
    chmodSync(open777, 0o777);
    location = { dir: open777, source: 'settings' };
    expect(await codeOf(service.backup())).toBe('BACKUP_DIRECTORY_UNSAFE');
    expect(readdirSync(open777)).toEqual([]);

    location = { dir: managed, source: 'policy' };
    await service.wipe();
    expect(readdirSync(managed).filter((f) => f.endsWith('.fvbackup'))).toEqual([]);
  });

  it("hostile files: planted backups with forged dates never push real ones out; import refuses what is not this vault's", async () => {
    let now = Date.parse('2026-02-01T10:00:00Z');
    const dir = tempDir('fv-hostile-');
    const service = vault(dir, realKeychain(), { now: () => now });
    await service.setup();
    const real: string[] = [];
    for (let i = 0; i < 2; i++) {
      now += DAY;
      real.push((await service.backup()).backupId);
    }
    // Someone with write access plants copies whose header claims a later date (the MAC then fails).
    const original = readFileSync(path.join(service.backupDir, `${real[1]}.fvbackup`));
    for (const name of ['backup-forged-a', 'backup-forged-b']) {
      writeFileSync(
        path.join(service.backupDir, `${name}.fvbackup`),
        Buffer.from(original.toString('latin1').replace('"createdAt":"2026', '"createdAt":"2099'), 'latin1'),
      );
    }
    now += DAY;
    const third = (await service.backup({ keep: 2 })).backupId;
    expect(service.listBackups().map((b) => b.backupId)).toEqual([third, real[1]]);
    expect(await service.deleteBackups({ before: new Date(now + DAY).toISOString() })).toEqual({
      deleted: 1,
    });
    expect(service.listBackups().map((b) => b.backupId)).toEqual([third]);

    const elsewhere = tempDir('fv-hostile-src-');
    writeFileSync(path.join(elsewhere, 'notes.txt'), 'hello');
    expect(await codeOf(service.importBackup(path.join(elsewhere, 'notes.txt')))).toBe('VALIDATION');
    expect(await codeOf(service.importBackup('relative.fvbackup'))).toBe('VALIDATION');
    writeFileSync(path.join(elsewhere, 'junk.fvbackup'), 'not a backup');
    expect(await codeOf(service.importBackup(path.join(elsewhere, 'junk.fvbackup')))).toBe('BACKUP_INVALID');
    symlinkSync('/etc/hostname', path.join(elsewhere, 'link.fvbackup'));
    expect(await codeOf(service.importBackup(path.join(elsewhere, 'link.fvbackup')))).toBe('BACKUP_INVALID');
    const other = vault(tempDir('fv-hostile-other-'), realKeychain());
    await other.setup();
    const foreign = await other.backup();
    expect(
      await codeOf(service.importBackup(path.join(other.backupDir, `${foreign.backupId}.fvbackup`))),
    ).toBe('BACKUP_INVALID');
    expect(service.listBackups().map((b) => b.backupId)).toEqual([third]);
  });

  it('a stray temporary file from a crash is removed when the vault service starts', async () => {
    const dir = tempDir('fv-stray-');
    const keychain = realKeychain();
    const service = vault(dir, keychain);
    const { status } = await service.setup();
    await service.backup();
    await service.lock();
    const prefix = new VaultLayout(dir).tempPrefix(status.vaultId!);
    const backups = path.join(dir, 'vault', 'backups');
    writeFileSync(path.join(backups, `${prefix}backup-x.partial`), 'half');
    writeFileSync(path.join(backups, `${prefix}backup-x.snapshot`), 'half');
    vault(dir, keychain);
    expect(readdirSync(backups).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(backups)).toHaveLength(1);
  });
});

describe('restore says what it restored', () => {
  it('returns the backup, its date and app version (the notes test vault has no CRM entities)', async () => {
    const { service } = createTestVault(tempDir('fv-sum-'), realKeychain());
    open.push(service);
    await service.setup();
    const made = await service.backup();
    const r = await service.restore(made.backupId);
    expect(r.restored).toEqual({
      backupId: made.backupId,
      createdAt: made.createdAt,
      appVersion: null,
      counts: {},
    });
  });
});

describe('deleting backups is a sensitive action', () => {
  it('asks the OS again; a refusal deletes nothing', async () => {
    const auth = new ScriptedAuthenticator();
    const fx = composeVault({ authenticator: auth });
    try {
      const service = fx.vault.service;
      await service.setup();
      const made = await service.backup();
      auth.script('AUTH_DENIED', 'AUTH_CANCELLED');
      expect(await codeOf(service.deleteBackups({ backupId: made.backupId }))).toBe('AUTH_DENIED');
      expect(await codeOf(service.deleteBackups({ before: new Date(Date.now() + DAY).toISOString() }))).toBe(
        'AUTH_CANCELLED',
      );
      expect(service.listBackups().map((b) => b.backupId)).toEqual([made.backupId]);
      expect(await service.deleteBackups({ backupId: made.backupId })).toEqual({ deleted: 1 });
      expect(auth.asked.filter((r) => r === 'erase')).toHaveLength(3);
      await service.lock();
      expect(await codeOf(service.deleteBackups({ backupId: made.backupId }))).toBe('VAULT_LOCKED');
    } finally {
      await fx.dispose();
    }
  });
});
