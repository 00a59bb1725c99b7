import { customOpField, customValuesOf } from '../../../shared/domain/custom-fields';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import { AppError } from '../../../shared/errors';
import type { CustomFieldsRepository } from './custom-fields.repository';

/**
 * Turns the `custom` object of a local create or patch (`{definition id: value | null}`) into the
 * per-field ops the writer logs (`cf:<id>`). Each value is normalised by its definition's schema
 * (text trimmed); an unknown field, another entity's, an archived one, or a value the kind does not
 * take (a select value outside the options) is VALIDATION, naming no value. With `current`, values
 * equal to the stored ones are left out (a patch writes only what changed).
 */
export function customOps(
  fields: CustomFieldsRepository,
  entity: EntityKind,
  input: unknown,
  current: unknown = null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input === undefined || input === null) return out;
  if (typeof input !== 'object' || Array.isArray(input))
    throw new AppError('VALIDATION', 'Custom values must be an object');
  const stored = customValuesOf(current);
  for (const [id, raw] of Object.entries(input as Record<string, unknown>)) {
    if (raw === undefined) continue;
    const spec = fields.spec(entity, id);
    // Deleted and archived fields take no new values here (remote ones still apply: see the writer).
    if (!spec || spec.custom.archived || fields.definition(id)?.deletedAt !== null)
      throw new AppError('VALIDATION', 'No such custom field');
    // Emptied text clears the value, as emptying a built-in optional field does.
    const value = typeof raw === 'string' && raw.trim() === '' ? null : raw;
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success)
      throw new AppError('VALIDATION', `A value does not fit the field "${spec.custom.kind}"`);
    const next: unknown = parsed.data ?? null;
    const before: unknown = Object.hasOwn(stored, id) ? stored[id] : null;
    if (current !== null && JSON.stringify(before) === JSON.stringify(next)) continue;
    if (current === null && next === null) continue;
    out[customOpField(id)] = next;
  }
  return out;
}

/**
 * A merge's custom values for the kept record: the other record's values fill the fields the kept
 * one leaves empty (with `takeOther`, the other's values win). Fields that no longer take values
 * (archived, deleted) are left as they are.
 */
export function mergedCustom(
  fields: CustomFieldsRepository,
  entity: EntityKind,
  into: unknown,
  from: unknown,
  takeOther: boolean,
): Record<string, unknown> {
  const kept = customValuesOf(into);
  const other = customValuesOf(from);
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(other)) {
    if (Object.hasOwn(kept, id) && !takeOther) continue;
    const spec = fields.spec(entity, id);
    if (!spec || spec.custom.archived || fields.definition(id)?.deletedAt !== null) continue;
    if (JSON.stringify(kept[id]) !== JSON.stringify(value)) out[id] = value;
  }
  return out;
}
