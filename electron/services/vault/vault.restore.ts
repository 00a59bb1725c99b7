import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import type { BackupInfo } from '../../../shared/ipc/channels/vault.channels';
import { extractBackup, readBackupHeader, writeBackupFile } from './vault.backup';
import type { Logger } from '../log/logger';
import { renameDurable } from './vault.files';
import type { VaultInternals } from './vault.internals';
import { cloneKeySet, findKey, zeroKeySet } from './vault.keyset';
import { BACKUP_EXT, type VaultLayout } from './vault.layout';
import { checkCopy, mapVaultError } from './vault.open';
import { VaultRepository } from './vault.repository';

/** Writes one backup of the open vault: snapshot, then header + pages + MAC, renamed into place. */
export function backupNow(v: VaultInternals, prefix: 'backup' | 'pre-restore'): BackupInfo {
  const { layout } = v;
  const m = layout.requireManifest();
  const open = v.open();
  if (!open) throw new AppError('VAULT_LOCKED', 'Unlock the vault before backing it up');
  mkdirSync(layout.backupDir, { recursive: true, mode: 0o700 });
  const createdAt = new Date(v.now()).toISOString();
  const backupId = `${prefix}-${createdAt.replace(/[-:.]/g, '')}-${Buffer.from(randomBytes(4)).toString('hex')}`;
  const snapshot = path.join(layout.backupDir, `${backupId}.snapshot`);
  const partial = path.join(layout.backupDir, `${backupId}.partial`);
  const file = layout.backupFile(backupId);
  try {
    new VaultRepository(open.db).snapshotTo(snapshot);
    const bytes = writeBackupFile(snapshot, partial, {
      vaultId: m.vaultId,
      key: open.keys.keys[0]!,
      createdAt,
    });
    renameDurable(partial, file);
    v.logger.log('info', 'vault.backedUp', { vaultId: m.vaultId, backupId, bytes });
    return { backupId, createdAt, bytes };
  } catch (error) {
    rmSync(partial, { force: true });
    throw mapVaultError(error);
  } finally {
    rmSync(snapshot, { force: true });
  }
}

/** Deletes this vault's backups beyond the newest `keep` (IT's retention). */
export function pruneBackups(layout: VaultLayout, keep: number, logger: Logger): void {
  const old = listBackups(layout).slice(Math.max(1, keep));
  for (const b of old) rmSync(layout.backupFile(b.backupId), { force: true });
  if (old.length > 0) logger.log('info', 'vault.backupsPruned', { deleted: old.length, kept: keep });
}

/** Backups of this vault whose header reads, newest first. */
export function listBackups(layout: VaultLayout): BackupInfo[] {
  const m = layout.manifest();
  if (!m) return [];
  const out: BackupInfo[] = [];
  for (const name of layout.backupNames()) {
    const backupId = name.slice(0, -BACKUP_EXT.length);
    try {
      const { header, size } = readBackupHeader(path.join(layout.backupDir, name));
      if (header.vaultId === m.vaultId) out.push({ backupId, createdAt: header.createdAt, bytes: size });
    } catch {
      // A damaged file is not offered; restore would refuse it anyway.
    }
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/**
 * Verifies a backup completely, keeps what it replaces (a pre-restore backup, or the damaged files
 * moved aside), then swaps it in and opens it.
 */
export async function restoreVault(v: VaultInternals, backupId: string): Promise<void> {
  const { layout } = v;
  const m = layout.requireManifest();
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(backupId)) throw new AppError('VALIDATION', 'Bad backup id');
  const file = layout.backupFile(backupId);
  if (!existsSync(file)) throw new AppError('NOT_FOUND', 'No such backup');
  const startedAt = new Date(v.now()).toISOString();
  const open = v.open();
  const set = open ? cloneKeySet(open.keys) : await v.keystore.load(m.vaultId);
  const current = set.keys[0]!;
  const tmp = layout.dbFile + '.restoring';
  layout.removeDbFiles(tmp);
  try {
    // Stamped with today's rollback counter before the swap, so a crash right after it is no "rollback".
    const counter = await v.keystore.counter(m.vaultId);
    const header = extractBackup(file, tmp, { vaultId: m.vaultId, keyFor: (id) => findKey(set, id) });
    checkCopy(tmp, findKey(set, header.keyId)!, m.vaultId, current, counter);
  } catch (error) {
    layout.removeDbFiles(tmp);
    zeroKeySet(set);
    throw error;
  }
  v.fault('restore.verified');
  // Keep what is being replaced: a restore can be undone by restoring this backup.
  if (open) {
    try {
      backupNow(v, 'pre-restore');
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'CORRUPT_STORE')) {
        layout.removeDbFiles(tmp);
        zeroKeySet(set);
        throw error;
      }
    }
  }
  v.lockNow('restore');
  // Whatever is replaced and could not be backed up (a damaged store) is kept as it is, encrypted.
  const kept = listBackups(layout).some(
    (b) => b.backupId.startsWith('pre-restore-') && b.createdAt >= startedAt,
  );
  if (!kept) layout.keepDamaged(v.now());
  v.fault('restore.closed');
  // A WAL left by a damaged database must not be replayed onto the restored file.
  rmSync(layout.dbFile + '-wal', { force: true });
  rmSync(layout.dbFile + '-shm', { force: true });
  renameDurable(tmp, layout.dbFile);
  v.fault('restore.swapped');
  await v.openWith(m.vaultId, set, { adoptOlder: true });
  v.logger.log('info', 'vault.restored', { vaultId: m.vaultId, backupId });
}
