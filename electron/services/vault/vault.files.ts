import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';

/**
 * Crash-safe file primitives. A file is replaced by writing a temporary sibling, fsyncing it, renaming it
 * over the target and fsyncing the directory: after a crash the target is either the old or the new
 * content, never a mix or nothing.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    fsyncDir(path.dirname(file));
  } catch (error) {
    rmSync(tmp, { force: true });
    throw mapFsError(error);
  }
}

/** Renames `from` over `to` and makes the rename durable. */
export function renameDurable(from: string, to: string): void {
  try {
    fsyncFile(from);
    renameSync(from, to);
    fsyncDir(path.dirname(to));
  } catch (error) {
    throw mapFsError(error);
  }
}

export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  // Windows cannot open a directory for fsync; NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** File-system errors as typed errors: a full disk is `DISK_FULL`, never a generic failure. */
export function mapFsError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return new AppError('DISK_FULL', 'The disk is full: free some space and try again', { cause: error });
  }
  return new AppError('INTERNAL', 'A vault file could not be written', { cause: error });
}
