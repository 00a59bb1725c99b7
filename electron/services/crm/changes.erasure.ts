import type { Db } from '../db/database';
import type { LogRow } from './changes.repository';
import { ERASED, parseObject, type Change, type ValidChange } from './changes.validate';
import type { EntityDef } from './crm.entities';

/**
 * What else in the vault must forget a record's values older than its erasure, in the erasure's
 * transaction (sync's held-back ops and conflict sides): the composition root passes it, so the CRM
 * names no other domain.
 */
export type ErasureSink = (db: Db, recordId: string, erasedAt: string) => void;

/** Whether a change may carry an erasure, before it is parsed (its JSON holds the key's name). */
export function mayErase(change: Change): boolean {
  return change.fields !== null && change.fields.includes(ERASED);
}

/**
 * The newest erasure stamp of a record: its logged rows' or this batch's (changes of `def`), or
 * null. Everything older than it is the erased past: it keeps no values and wins no field.
 */
export function erasureOf(
  log: readonly LogRow[],
  list: readonly ValidChange[],
  def: EntityDef<unknown>,
): string | null {
  // The log is newest first: the first erasing row is the newest logged erasure.
  const logged = log.find(
    (r) => r.fields?.includes(ERASED) && Object.hasOwn(parseObject(r.fields) ?? {}, ERASED),
  );
  let at = logged?.hlc ?? null;
  for (const c of list)
    if (c.def === def && c.values && Object.hasOwn(c.values, ERASED) && (at === null || c.hlc > at))
      at = c.hlc;
  return at;
}
