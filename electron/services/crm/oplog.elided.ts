import { CUSTOM_VALUES_FIELD } from '../../../shared/domain/custom-fields';
import type { EntityDef } from './crm.entities';
import type { RecordData } from './records.repository';

/**
 * Op-log values stored once (crm migration 14, issue 17 item 6). A settled op-log row (the server
 * holds it: pushed) that is the newest writer of a field holds the same value as the record row:
 * last-writer-wins made the row from it. Such a value is dropped from the row's `fields` and its
 * name listed in `elided`; every reader of op-log values reads it back from the record row
 * (`expandFields`). The invariant that makes this lossless: an elided field is written by no newer
 * op-log row of its record. The writer keeps it by putting an elided value back into its row
 * (`rehydrate`) before any change that writes that field is applied, so the old value stays
 * available as the "before" of the history row and as the winner an older remote op loses to.
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

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function parseNames(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The names listed in an `elided` column. */
export function elidedNames(elided: string | null): string[] {
  return parseNames(elided);
}

/**
 * What a settled row can drop: fields it is the newest writer of (`later` holds every field a newer
 * row of the record writes) whose value is, as JSON, exactly the record row's. Null: nothing to drop.
 */
export function compactFields(
  def: EntityDef<unknown>,
  fields: string,
  elided: string | null,
  later: ReadonlySet<string>,
  record: RecordData,
): Compacted | null {
  const values = parseObject(fields);
  if (!values) return null;
  const replayed = REPLAYED[def.kind] ?? [];
  const keep: Record<string, unknown> = {};
  const names = parseNames(elided);
  const before = names.length;
  for (const [field, value] of Object.entries(values)) {
    const drop =
      Object.hasOwn(def.fields, field) &&
      field !== CUSTOM_VALUES_FIELD &&
      !replayed.includes(field) &&
      !later.has(field) &&
      JSON.stringify(value ?? null) === JSON.stringify(record[field] ?? null);
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
  for (const name of parseNames(elided)) values[name] = record?.[name] ?? null;
  return JSON.stringify(values);
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
  const names = parseNames(elided);
  const back = names.filter((n) => written.has(n));
  if (back.length === 0) return null;
  const values = parseObject(fields) ?? {};
  for (const name of back) values[name] = record?.[name] ?? null;
  const rest = names.filter((n) => !written.has(n));
  return { fields: JSON.stringify(values), elided: rest.length > 0 ? JSON.stringify(rest) : null };
}
