import type { Db } from '../db/database';
import { MetaRepository } from './meta.repository';

/**
 * What an erasure leaves behind in the vault (issue 12 item 3), in crm_meta: when the last person
 * was erased (local backups made before it still hold that person), and whether the server-side
 * follow-up (snapshot without the person, compaction, key rotation) is still owed. An admin device
 * in a workspace settles it at its next sync contact.
 */
const LAST_ERASED = 'privacy.lastErasedAt';
const OWED = 'privacy.erasureOwedAt';

/** Records an erasure at `at` (ms), inside the erase's transaction. */
export function markErased(db: Db, at: number): void {
  const meta = new MetaRepository(db);
  const before = Number(meta.get(LAST_ERASED) ?? 0);
  meta.set(LAST_ERASED, String(Math.max(before, at)));
  meta.set(OWED, String(Math.max(Number(meta.get(OWED) ?? 0), at)));
}

/** When the last erasure happened (ms), or null if none did in this vault. */
export function lastErasedAt(db: Db): number | null {
  const v = new MetaRepository(db).get(LAST_ERASED);
  return v === null ? null : Number(v);
}

/** The erasure whose server follow-up is still owed (ms), or null. */
export function erasureOwed(db: Db): number | null {
  const v = new MetaRepository(db).get(OWED);
  return v === null ? null : Number(v);
}

/** Clears the owed follow-up for the erasure at `at`; an erasure made since stays owed. */
export function settleErasure(db: Db, at: number): void {
  new MetaRepository(db).deleteIf(OWED, String(at));
}
