import type { Db } from './database';

/** The connection's secure_delete setting as PRAGMA reads it (0 off, 1 on, 2 fast). */
type SecureDelete = 0 | 1 | 2;

const NAMES: Record<SecureDelete, string> = { 0: 'OFF', 1: 'ON', 2: 'FAST' };

function current(db: Db): SecureDelete {
  const v = Number(db.pragma('secure_delete', { simple: true }));
  return v === 1 || v === 2 ? v : 0;
}

/**
 * Runs `fn` with SQLite's secure_delete on: b-tree content it deletes or overwrites is zeroed in
 * place, so erased values leave nothing in free space. The connection's setting is restored after.
 * That covers the statements `fn` runs; FTS5 writes its index at commit, so a write that reaches a
 * full-text index holds it on until the commit instead (`holdSecureDelete`).
 */
export function withSecureDelete<T>(db: Db, fn: () => T): T {
  const release = holdSecureDelete(db);
  try {
    return fn();
  } finally {
    release();
  }
}

/**
 * Turns secure_delete on and returns what puts the previous setting back (call it once the
 * outermost transaction has committed or rolled back).
 */
export function holdSecureDelete(db: Db): () => void {
  const before = current(db);
  db.pragma('secure_delete = ON');
  return () => db.pragma(`secure_delete = ${NAMES[before]}`);
}
