import { CUSTOM_VALUES_FIELD } from '../../../shared/domain/custom-fields';
import { parseObject } from './changes.validate';
import type { EntityDef } from './crm.entities';
import type { RecordData } from './records.repository';

/**
 * Op-log values stored once (crm migration 14, issue 17 item 6). A settled op-log row (the server
 * holds it: pushed, or applied from the server) drops each value it is the newest writer of and that
 * equals, as JSON, the record row's value (last-writer-wins made the row from it); the names go in
 * `elided`, and every reader of op-log values reads them back from the record row (`expandFields`).
 * The invariant that makes this lossless: an elided value always equals its record row's value. The
 * row's value of a field changes only when a change writes that field, and before the writer applies
 * such a change it puts the value back into the op-log row (`restoreElided`), so it stays available
 * as the "before" of the next history row and as the winner an older remote op loses to.
 *
 * Never elided: pending rows (the push reads them), erased rows (no values), custom field values
 * (`cf:<id>`: the row folds them into one column), meta fields (`deletedAt`, `erasedAt`: not
 * columns), and the deal fields the reports replay from the op log in SQL (stage and status).
 */

/** Fields the derived reports read from the op log itself (reports.repository, reporting.derived). */
const REPLAYED: Readonly<Partial<Record<string, readonly string[]>>> = { deal: ['stageId', 'status'] };

/** A settled row's values split into what it keeps and what the record row already holds. */
export interface Compacted {
  /** JSON object of the values kept. */
  readonly fields: string;
  /** JSON array of the field names whose value is the record row's. */
  readonly elided: string;
}

/** The names listed in an `elided` column. */
export function elidedNames(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * What a settled row can drop: fields it is the newest writer of (`later` holds every field a newer
 * row of the record writes) whose value is, as JSON, exactly the record row's. Null: nothing to drop.
 */
export function compactFields(
  def: EntityDef<unknown>,
  values: Readonly<Record<string, unknown>>,
  elided: string | null,
  later: (field: string) => boolean,
  record: RecordData,
): Compacted | null {
  const replayed = REPLAYED[def.kind] ?? [];
  const keep: Record<string, unknown> = {};
  const names = elidedNames(elided);
  const before = names.length;
  for (const [field, value] of Object.entries(values)) {
    const drop =
      Object.hasOwn(def.fields, field) &&
      field !== CUSTOM_VALUES_FIELD &&
      !replayed.includes(field) &&
      !later(field) &&
      // The writer's record holds its winners' very values (no serialising); rows read back do not.
      (value === record[field] || JSON.stringify(value ?? null) === JSON.stringify(record[field] ?? null));
    if (drop) names.push(field);
    else keep[field] = value;
  }
  if (names.length === before) return null;
  return { fields: JSON.stringify(keep), elided: JSON.stringify(names) };
}

/**
 * A row's full values as they were logged: kept values, then each elided field's value from the
 * record row. Erased rows (null) stay null; a row with nothing elided is returned as stored.
 */
export function expandFields(
  fields: string | null,
  elided: string | null,
  record: RecordData | null,
): string | null {
  if (fields === null || elided === null) return fields;
  const values = parseObject(fields) ?? {};
  for (const name of elidedNames(elided)) values[name] = record?.[name] ?? null;
  return JSON.stringify(values);
}

/**
 * Puts back, in every row of `log` that elides one of the `written` fields, that field's value (the
 * record row's, read before the change): the writer calls it before applying changes that write them.
 */
export function restoreElided(
  log: readonly { seq: number; fields: string | null; elided: string | null }[],
  written: ReadonlySet<string>,
  record: RecordData,
  write: (seq: number, fields: string, elided: string | null) => void,
): void {
  for (const row of log) {
    if (row.elided === null || row.fields === null) continue;
    const back = rehydrate(row.fields, row.elided, written, record);
    if (back) write(row.seq, back.fields, back.elided);
  }
}

/**
 * Rows just applied from the server (settled as they land): each drops the values it is the winner
 * of (`winner(field)` is the winning stamp after the batch) that the record row, just written, holds.
 */
export function compactApplied(
  def: EntityDef<unknown>,
  added: readonly { hlc: string; values: Readonly<Record<string, unknown>> | null }[],
  winner: (field: string) => string | undefined,
  record: RecordData,
  write: (hlc: string, compacted: Compacted) => void,
): void {
  for (const row of added) {
    if (row.values === null) continue;
    const out = compactFields(def, row.values, null, (f) => winner(f) !== row.hlc, record);
    if (out) write(row.hlc, out);
  }
}

/**
 * Puts the elided values of `fields` named in `written` back into a row (before a change writes
 * them, so the row is no longer their newest writer). Null: the row elides none of them.
 */
export function rehydrate(
  fields: string,
  elided: string,
  written: ReadonlySet<string>,
  record: RecordData | null,
): { fields: string; elided: string | null } | null {
  const names = elidedNames(elided);
  const back = names.filter((n) => written.has(n));
  if (back.length === 0) return null;
  const values = parseObject(fields) ?? {};
  for (const name of back) values[name] = record?.[name] ?? null;
  const rest = names.filter((n) => !written.has(n));
  return { fields: JSON.stringify(values), elided: rest.length > 0 ? JSON.stringify(rest) : null };
}
