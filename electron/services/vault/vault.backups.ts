import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { BackupInfo } from '../../../shared/ipc/channels/vault.channels';
import type { Logger } from '../log/logger';
import { extractBackup, readBackupHeader, unwrapBackupKey, type BackupHeader } from './vault.backup';
import { fsyncDir, renameDurable } from './vault.files';
import { findKey, secretCopy, type KeySet, type VaultKey } from './vault.keyset';
import { BACKUP_EXT, type VaultLayout } from './vault.layout';

/** A backup id as it appears in a file name; anything else is refused before a path is built. */
export const BACKUP_ID = /^[A-Za-z0-9_-]{1,80}$/;
const DAY_MS = 86_400_000;

/**
 * Verifies every byte of the backup in `file` under the key it was written with: from the vault's key
 * set, or else opened from the backup's own wrap with the recovery wrapping key the set carries (or
 * `extraKek`, derived from an older recovery code). With `outFile`, writes the database it holds
 * there. An unwrapped key is zeroed afterwards; keys of the set belong to the set.
 */
export function verifyBackup(
  file: string,
  outFile: string | null,
  vaultId: string,
  set: KeySet,
  extraKek?: Uint8Array,
): { header: BackupHeader; key: VaultKey } {
  const { header } = readBackupHeader(file);
  const own = findKey(set, header.keyId);
  let unwrapped: VaultKey | null = null;
  if (!own && header.vaultId === vaultId) {
    for (const kek of [set.kek, extraKek]) {
      if (!unwrapped && kek) unwrapped = unwrapBackupKey(header, kek);
    }
  }
  const key = own ?? unwrapped ?? undefined;
  try {
    const checked = extractBackup(file, outFile, { vaultId, keyFor: () => key });
    // The caller gets its own copy of an unwrapped key (it may need it to open the copy).
    return { header: checked, key: own ?? { id: Uint8Array.from(key!.id), key: secretCopy(key!.key) } };
  } finally {
    unwrapped?.key.fill(0);
  }
}

/** Full verification results by file identity, so opening Settings twice does not re-read every backup. */
const verified = new Map<string, { stamp: string; state: Check }>();

/** `needs-code`: the key is neither held nor opened by the current code (an older code opens it). */
type Check = 'ok' | 'bad' | 'needs-code';

function stampOf(file: string): string {
  const s = statSync(file, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** Whether every byte of `file` verifies (HMAC and checksum) under a key this vault can reach. */
function check(file: string, header: BackupHeader, vaultId: string, set: KeySet): Check {
  let stamp: string;
  try {
    stamp = stampOf(file);
  } catch {
    return 'bad';
  }
  const known = verified.get(file);
  if (known?.stamp === stamp) return known.state;
  let state: Check;
  const reachable =
    findKey(set, header.keyId) !== undefined || (set.kek !== null && canUnwrap(header, set.kek));
  if (!reachable) {
    state = header.wrap ? 'needs-code' : 'bad';
  } else {
    try {
      const { key } = verifyBackup(file, null, vaultId, set);
      if (!set.keys.includes(key)) key.key.fill(0);
      state = 'ok';
    } catch {
      state = 'bad';
    }
  }
  verified.set(file, { stamp, state });
  return state;
}

function canUnwrap(header: BackupHeader, kek: Uint8Array): boolean {
  const key = unwrapBackupKey(header, kek);
  key?.key.fill(0);
  return key !== null;
}

/**
 * Backups of this vault, newest first. With the key set (unlocked) only files whose every byte
 * verifies are listed (`verified: true`): a tampered, truncated or foreign file is not offered. A
 * backup whose key only an older recovery code opens is listed unverified with `needsCode` (restore
 * with that code verifies it whole). Locked, the headers are all that can be read (`verified:
 * false`); restore verifies every byte anyway.
 */
export function listBackups(
  layout: VaultLayout,
  set: KeySet | null,
  /** When the last person was erased in this vault (ms): older backups still hold them. */
  lastErasedAt: number | null = null,
): BackupInfo[] {
  const m = layout.manifest();
  if (!m) return [];
  const out: BackupInfo[] = [];
  for (const name of layout.backupNames()) {
    const backupId = name.slice(0, -BACKUP_EXT.length);
    if (!BACKUP_ID.test(backupId)) continue;
    const file = path.join(layout.backupDir, name);
    try {
      const { header, size } = readBackupHeader(file);
      if (header.vaultId !== m.vaultId) continue;
      const state = set ? check(file, header, m.vaultId, set) : null;
      if (state === 'bad') continue;
      out.push({
        backupId,
        createdAt: header.createdAt,
        bytes: size,
        verified: state === 'ok',
        needsCode: state === 'needs-code',
        appVersion: header.appVersion ?? null,
        containsErased: lastErasedAt !== null && !(Date.parse(header.createdAt) >= lastErasedAt),
      });
    } catch {
      // A damaged file is not offered; restore would refuse it anyway.
    }
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** The file of a backup by id (restore verifies it whole); NOT_FOUND when there is none. */
export function backupFileOf(layout: VaultLayout, backupId: string): string {
  if (!BACKUP_ID.test(backupId)) throw new AppError('VALIDATION', 'Bad backup id');
  const file = layout.backupFile(backupId);
  if (!existsSync(file)) throw new AppError('NOT_FOUND', 'No such backup');
  return file;
}

/** Refuses to touch another vault's backup in a shared directory (a damaged file is this vault's to delete). */
function requireOwn(layout: VaultLayout, file: string): void {
  const m = layout.requireManifest();
  let vaultId: string;
  try {
    vaultId = readBackupHeader(file).header.vaultId;
  } catch {
    return;
  }
  if (vaultId !== m.vaultId) throw new AppError('BACKUP_INVALID', 'This backup belongs to another vault');
}

function remove(layout: VaultLayout, files: readonly string[]): number {
  for (const file of files) rmSync(file, { force: true });
  if (files.length > 0 && existsSync(layout.backupDir)) fsyncDir(layout.backupDir);
  return files.length;
}

/** Deletes one backup of this vault. */
export function deleteBackup(layout: VaultLayout, backupId: string, logger: Logger): { deleted: number } {
  layout.checkedBackupDir(false);
  const file = backupFileOf(layout, backupId);
  requireOwn(layout, file);
  const deleted = remove(layout, [file]);
  logger.log('info', 'vault.backupDeleted', { backupId });
  return { deleted };
}

/**
 * Deletes every backup of this vault made before `before` (ISO time); the newest backup always stays.
 * Counted over verified backups only (`set`), so a planted file with a forged date can neither pass
 * as "the newest" nor be what is kept while the real ones go.
 */
export function deleteBackupsBefore(
  layout: VaultLayout,
  before: string,
  set: KeySet,
  logger: Logger,
): { deleted: number } {
  layout.checkedBackupDir(false);
  const all = listBackups(layout, set).filter((b) => b.verified);
  const old = all.slice(1).filter((b) => b.createdAt < before);
  const deleted = remove(
    layout,
    old.map((b) => layout.backupFile(b.backupId)),
  );
  if (deleted > 0) logger.log('info', 'vault.backupsDeleted', { deleted });
  return { deleted };
}

/**
 * Deletes every backup of this vault made before the last erasure (issue 12 item 3): they still
 * hold the erased person. Unlike `deleteBackupsBefore`, the newest goes too when it is one of them.
 */
export function purgeErasedBackups(
  layout: VaultLayout,
  set: KeySet,
  lastErasedAt: number | null,
  logger: Logger,
): { deleted: number } {
  layout.checkedBackupDir(false);
  if (lastErasedAt === null) return { deleted: 0 };
  const old = listBackups(layout, set, lastErasedAt).filter((b) => b.containsErased);
  const deleted = remove(
    layout,
    old.map((b) => layout.backupFile(b.backupId)),
  );
  logger.log('info', 'vault.erasedBackupsPurged', { deleted });
  return { deleted };
}

/** Retention: keep the newest `keep`, drop those older than `maxAgeDays`; the newest is always kept. */
export interface Retention {
  readonly keep?: number;
  readonly maxAgeDays?: number;
}

/**
 * Applies `retention` to this vault's backups (after each backup, in the same serialised step), over
 * verified backups only (see `deleteBackupsBefore`): files that do not verify are never counted.
 */
export function pruneBackups(
  layout: VaultLayout,
  retention: Retention,
  now: number,
  set: KeySet,
  logger: Logger,
): void {
  const all = listBackups(layout, set).filter((b) => b.verified);
  const cutoff =
    retention.maxAgeDays === undefined ? null : new Date(now - retention.maxAgeDays * DAY_MS).toISOString();
  const old = all.filter(
    (b, i) =>
      i > 0 &&
      ((retention.keep !== undefined && i >= retention.keep) || (cutoff !== null && b.createdAt < cutoff)),
  );
  remove(
    layout,
    old.map((b) => layout.backupFile(b.backupId)),
  );
  if (old.length > 0)
    logger.log('info', 'vault.backupsPruned', { deleted: old.length, kept: all.length - old.length });
}

/**
 * Copies a backup from elsewhere (a USB stick) into the backup directory so it can be listed and
 * restored: only a FieldVault backup of this vault whose every byte verifies, written to a temporary
 * name, fsynced, then renamed. Returns it as listed.
 */
export function importBackup(layout: VaultLayout, source: string, set: KeySet, logger: Logger): BackupInfo {
  const m = layout.requireManifest();
  if (!path.isAbsolute(source) || !source.endsWith(BACKUP_EXT)) {
    throw new AppError('VALIDATION', `Choose a FieldVault backup file (*${BACKUP_EXT})`);
  }
  const { header } = readBackupHeader(source);
  if (header.vaultId !== m.vaultId)
    throw new AppError('BACKUP_INVALID', 'This backup belongs to another vault');
  const { key } = verifyBackup(source, null, m.vaultId, set);
  if (!set.keys.includes(key)) key.key.fill(0);
  const backupId = path.basename(source, BACKUP_EXT);
  if (!BACKUP_ID.test(backupId)) throw new AppError('VALIDATION', 'Bad backup file name');
  layout.checkedBackupDir(true);
  const target = layout.backupFile(backupId);
  if (!existsSync(target)) {
    const partial = path.join(layout.backupDir, `${layout.tempPrefix(m.vaultId)}${backupId}.partial`);
    try {
      copyFileSync(source, partial);
      const fd = openSync(partial, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameDurable(partial, target);
    } finally {
      rmSync(partial, { force: true });
    }
  }
  logger.log('info', 'vault.backupImported', { backupId });
  const listed = listBackups(layout, set).find((b) => b.backupId === backupId);
  if (!listed) throw new AppError('BACKUP_INVALID', 'The backup does not verify');
  return listed;
}
