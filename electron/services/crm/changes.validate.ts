import type { z } from 'zod';
import { idSchema, timestampSchema } from '../../../shared/domain/crm.schemas';
import { CUSTOM_VALUES_FIELD, customIdOf, type CustomFieldSpec } from '../../../shared/domain/custom-fields';
import { parseHlc } from '../../../shared/domain/hlc';
import { defOf, type EntityDef } from './crm.entities';

/** Meta fields that travel as ops besides an entity's own fields. */
export const DELETED = 'deletedAt';
export const ERASED = 'erasedAt';

/** One mutation of one record: the fields it wrote under one stamp, as the op log keeps it. */
export interface Change {
  /** UUIDv7 of the mutation; a field op's id is `${opId}/${field}`. */
  readonly opId: string;
  readonly entity: string;
  readonly recordId: string;
  readonly hlc: string;
  /** The HLC's device id (the CRM device that wrote it). */
  readonly deviceId: string;
  /** JSON object field -> value; null once erased. */
  readonly fields: string | null;
}

/** Why a change cannot be applied (stable words: they are stored with quarantined ops and shown as counts). */
export type InvalidReason =
  'unknown_entity' | 'bad_id' | 'bad_hlc' | 'bad_json' | 'unknown_field' | 'bad_value' | 'entity_mismatch';

/** A change that passed validation, with its fields parsed. */
export interface ValidChange extends Change {
  readonly def: EntityDef<unknown>;
  readonly values: Readonly<Record<string, unknown>> | null;
}

/** JSON text as an object: null for null, text that does not parse, or JSON that is no object. */
export function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** A value is accepted only when its schema keeps it exactly as sent (no trimming, no lower-casing). */
function canonical(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, v: unknown) {
  const result = schema.safeParse(v);
  return result.success && JSON.stringify(result.data) === JSON.stringify(v);
}

/** Finds the spec of a custom field of an entity (null: no such field on that entity). */
export type CustomSpecLookup = (entity: string, id: string) => CustomFieldSpec | null;

/**
 * Checks one change against the entity registry with the same zod field schemas local edits pass:
 * known entity, a UUID record id, a well-formed HLC of the stated device, known fields only, and
 * every value exactly what its schema accepts. Erasures may blank required text fields (the
 * tombstone keeps an empty name), so they are checked against the stored-record schema. Custom
 * values (`cf:<id>`) are checked with the spec their definition yields (`customSpec`), the same for
 * local and remote changes; the folded `custom` object itself is never written by an op.
 */
export function validateChange(change: Change, customSpec?: CustomSpecLookup): ValidChange | InvalidReason {
  const def = defOf(change.entity);
  if (!def) return 'unknown_entity';
  if (!idSchema.safeParse(change.recordId).success) return 'bad_id';
  const stamp = parseHlc(change.hlc);
  if (!stamp || stamp.deviceId !== change.deviceId) return 'bad_hlc';
  if (change.fields === null) return { ...change, def, values: null };
  const values = parseObject(change.fields);
  if (!values) return 'bad_json';
  const erasure = Object.hasOwn(values, ERASED);
  const stored: Readonly<Record<string, z.ZodType>> = def.recordSchema.shape;
  for (const [name, value] of Object.entries(values)) {
    if (name === DELETED || name === ERASED) {
      if (value !== null && !timestampSchema.safeParse(value).success) return 'bad_value';
      if (name === ERASED && value === null) return 'bad_value';
      continue;
    }
    const customId = customIdOf(name);
    if (customId !== null) {
      const spec = customSpec?.(def.kind, customId) ?? null;
      if (!spec) return 'unknown_field';
      // An erasure blanks custom values (null); otherwise the definition's schema, exactly as sent.
      if (!canonical(spec.schema, value)) return 'bad_value';
      continue;
    }
    const field =
      Object.hasOwn(def.fields, name) && name !== CUSTOM_VALUES_FIELD ? def.fields[name] : undefined;
    if (!field) return 'unknown_field';
    const schema = erasure && Object.hasOwn(stored, name) ? stored[name]! : field.schema;
    if (!canonical(schema, value)) return 'bad_value';
  }
  return { ...change, def, values };
}
