import { rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { entityRegistry } from '../../../shared/domain/entity.registry';
import type { BackupInfo, RestoreSummary } from '../../../shared/ipc/channels/vault.channels';
import { openEncryptedDatabase } from '../db/database';
import { readBackupHeader, wrapBackupKey, writeBackupFile, type BackupKeyWrap } from './vault.backup';
import { backupFileOf, listBackups, verifyBackup } from './vault.backups';
import { renameDurable } from './vault.files';
import type { VaultInternals } from './vault.internals';
import { cloneKeySet, zeroKeySet, type KeySet } from './vault.keyset';
import { checkCopy, mapVaultError } from './vault.open';
import { deriveKek, normaliseRecoveryCode, readRecoverySalt } from './vault.recovery';
import { VaultRepository } from './vault.repository';

/** The backup's key under the recovery wrapping key, when the vault has both (see `BackupKeyWrap`). */
function recoveryWrap(v: VaultInternals, vaultId: string, set: KeySet): BackupKeyWrap | undefined {
  if (!set.kek) return undefined;
  try {
    const { salt, params } = readRecoverySalt(v.layout.recoveryFile);
    return wrapBackupKey(set.keys[0]!, vaultId, set.kek, salt, params);
  } catch {
    // No readable recovery wrap: the backup still opens with the keychain's key set.
    return undefined;
  }
}

/**
 * Writes one backup of the open vault. Everything is written under temporary names beside the result
 * (`.fv-<vault>-<id>.snapshot`, then `.partial`), fsynced, then renamed into place and the directory
 * fsynced: a crash leaves either no backup or a whole one, and its leftovers are removed at the next
 * start or unlock (`VaultLayout.cleanupLeftovers`).
 */
export function backupNow(v: VaultInternals, prefix: 'backup' | 'pre-restore'): BackupInfo {
  const { layout } = v;
  const m = layout.requireManifest();
  const open = v.open();
  if (!open) throw new AppError('VAULT_LOCKED', 'Unlock the vault before backing it up');
  layout.checkedBackupDir(true);
  const createdAt = new Date(v.now()).toISOString();
  const backupId = `${prefix}-${createdAt.replace(/[-:.]/g, '')}-${Buffer.from(randomBytes(4)).toString('hex')}`;
  const temp = path.join(layout.backupDir, layout.tempPrefix(m.vaultId) + backupId);
  const snapshot = `${temp}.snapshot`;
  const partial = `${temp}.partial`;
  const file = layout.backupFile(backupId);
  try {
    new VaultRepository(open.db).snapshotTo(snapshot);
    v.fault('backup.snapshot');
    const bytes = writeBackupFile(snapshot, partial, {
      vaultId: m.vaultId,
      key: open.keys.keys[0]!,
      createdAt,
      appVersion: v.appVersion,
      wrap: recoveryWrap(v, m.vaultId, open.keys),
    });
    v.fault('backup.written');
    renameDurable(partial, file);
    v.logger.log('info', 'vault.backedUp', { vaultId: m.vaultId, backupId, bytes });
    // Made now: whatever was erased before is not in it.
    return {
      backupId,
      createdAt,
      bytes,
      verified: true,
      needsCode: false,
      appVersion: v.appVersion ?? null,
      containsErased: false,
    };
  } catch (error) {
    rmSync(partial, { force: true });
    throw mapVaultError(error);
  } finally {
    rmSync(snapshot, { force: true });
  }
}

/** The entity tables a restore reports on, by entity kind. */
const ENTITY_TABLES: Record<string, string> = Object.fromEntries(
  Object.values(entityRegistry).map((spec) => [spec.kind, spec.table]),
);

/**
 * Verifies a backup completely, keeps what it replaces (a pre-restore backup, or the damaged files
 * moved aside), then swaps it in and opens it. `recoveryCode`: the code that was current when the
 * backup was made, for a backup whose key this vault no longer holds and whose wrap the current code
 * does not open (the code was renewed since). Says what it restored.
 */
export async function restoreVault(
  v: VaultInternals,
  backupId: string,
  options: { recoveryCode?: string; release?: 'keychain' } = {},
): Promise<RestoreSummary> {
  const { layout } = v;
  const m = layout.requireManifest();
  layout.checkedBackupDir(false);
  const file = backupFileOf(layout, backupId);
  const startedAt = new Date(v.now()).toISOString();
  const open = v.open();
  const set = open ? cloneKeySet(open.keys) : await v.keystore.load(m.vaultId);
  const current = set.keys[0]!;
  const tmp = layout.dbFile + '.restoring';
  layout.removeDbFiles(tmp);
  let summary: RestoreSummary;
  let extraKek: Uint8Array | undefined;
  try {
    if (options.recoveryCode !== undefined) {
      const wrap = readBackupHeader(file).header.wrap;
      if (wrap) {
        const salt = new Uint8Array(Buffer.from(wrap.salt, 'base64'));
        extraKek = await deriveKek(normaliseRecoveryCode(options.recoveryCode), salt, wrap);
      }
    }
    // Stamped with today's rollback counter before the swap, so a crash right after it is no "rollback".
    const counter = await v.keystore.counter(m.vaultId);
    const { header, key } = verifyBackup(file, tmp, m.vaultId, set, extraKek);
    try {
      checkCopy(tmp, key, m.vaultId, current, counter);
    } finally {
      if (!set.keys.includes(key)) key.key.fill(0);
    }
    const copy = openEncryptedDatabase(tmp, current.key, { journal: 'delete' });
    try {
      summary = {
        backupId,
        createdAt: header.createdAt,
        appVersion: header.appVersion ?? null,
        counts: new VaultRepository(copy).liveCounts(ENTITY_TABLES),
      };
    } finally {
      copy.close();
    }
  } catch (error) {
    layout.removeDbFiles(tmp);
    zeroKeySet(set);
    throw mapVaultError(error);
  } finally {
    extraKek?.fill(0);
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
  const kept = listBackups(layout, null).some(
    (b) => b.backupId.startsWith('pre-restore-') && b.createdAt >= startedAt,
  );
  if (!kept) layout.keepDamaged(v.now());
  v.fault('restore.closed');
  // A WAL left by a damaged database must not be replayed onto the restored file.
  rmSync(layout.dbFile + '-wal', { force: true });
  rmSync(layout.dbFile + '-shm', { force: true });
  renameDurable(tmp, layout.dbFile);
  v.fault('restore.swapped');
  await v.openWith(m.vaultId, set, {
    adoptOlder: true,
    ...(options.release ? { release: options.release } : {}),
  });
  v.logger.log('info', 'vault.restored', { vaultId: m.vaultId, backupId });
  return summary;
}
