import { z } from 'zod';
import {
  customOptionIdSchema,
  dateSchema,
  idSchema,
  type CustomField,
  type CustomFieldKind,
} from './crm.schemas';
import type { FieldSpec, ListColumnSpec, SearchDoc } from './entity.registry';

/**
 * Custom fields: a workspace's own fields on accounts, contacts and deals. A definition is a record
 * of the `customField` entity (synced like any record); its values live in the record's `custom`
 * object, but travel and merge one field at a time as ops named `cf:<definition id>`, so two devices
 * editing different custom fields of one record never overwrite each other.
 */

/** The op field name of a custom field's value. */
export const CUSTOM_OP_PREFIX = 'cf:';
/** The record field that holds the folded custom values. */
export const CUSTOM_VALUES_FIELD = 'custom';

/** `cf:<id>` for a definition id. */
export function customOpField(id: string): string {
  return `${CUSTOM_OP_PREFIX}${id}`;
}

/** The definition id an op field names, or null when it is not a well-formed custom field name. */
export function customIdOf(opField: string): string | null {
  if (!opField.startsWith(CUSTOM_OP_PREFIX)) return null;
  const id = opField.slice(CUSTOM_OP_PREFIX.length);
  return idSchema.safeParse(id).success ? id : null;
}

/** What a custom field spec knows beyond the generic field spec: the definition itself. */
export interface CustomFieldInfo {
  readonly id: string;
  readonly kind: CustomFieldKind;
  readonly label: string;
  readonly options: CustomField['options'];
  readonly currency: string | null;
  readonly archived: boolean;
  readonly position: number;
}

/** A field spec derived from a custom field definition (the registry's shape, plus the definition). */
export interface CustomFieldSpec extends FieldSpec {
  readonly custom: CustomFieldInfo;
}

const TEXT_MAX = 2000;

/** The value schema of a kind (null clears), with select values checked against the options. */
function valueSchema(def: Pick<CustomField, 'kind' | 'options'>): z.ZodType {
  const optionIds = new Set(def.options.map((o) => o.id));
  switch (def.kind) {
    case 'text':
      return z.string().trim().min(1).max(TEXT_MAX).nullable();
    case 'number':
      return z.number().finite().min(-1e15).max(1e15).nullable();
    case 'money':
      return z.number().int().min(-1e15).max(1e15).nullable();
    case 'date':
      return dateSchema.nullable();
    case 'select':
      return customOptionIdSchema.refine((v) => optionIds.has(v), 'Not an option of this field').nullable();
    case 'multiSelect':
      return z
        .array(customOptionIdSchema)
        .max(50)
        .refine((v) => v.every((x) => optionIds.has(x)), 'Not an option of this field')
        .refine((v) => new Set(v).size === v.length, 'Options must not repeat')
        .nullable();
    case 'checkbox':
      return z.boolean().nullable();
  }
}

/** How a list column shows each kind. */
const columnWidth: Record<CustomFieldKind, string> = {
  text: '1fr',
  number: '110px',
  money: '130px',
  date: '130px',
  select: '130px',
  multiSelect: '1fr',
  checkbox: '90px',
};

/**
 * The field spec of one custom field, as the registry gives built-in fields: its op name, storage,
 * the schema local edits and remote ops are both checked with, and the definition.
 */
export function customFieldSpecOf(def: CustomField): CustomFieldSpec {
  return {
    name: customOpField(def.id),
    column: CUSTOM_VALUES_FIELD,
    storage: 'json',
    schema: valueSchema(def),
    hasDefault: true,
    default: null,
    input: null,
    element: null,
    // Concurrent edits of one custom field are kept for review, like other important fields.
    conflict: true,
    ref: null,
    custom: {
      id: def.id,
      kind: def.kind,
      label: def.label,
      options: def.options,
      currency: def.currency,
      archived: def.archived,
      position: def.position,
    },
  };
}

/** Display order: position, then creation order (ids are UUIDv7). */
export function byPosition(a: { position: number; id: string }, b: { position: number; id: string }) {
  return a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The live, unarchived custom fields of an entity, in display order, as field specs (forms). */
export function customFormOf(defs: readonly CustomField[], entity: CustomField['entity']): CustomFieldSpec[] {
  return defs
    .filter((d) => d.entity === entity && !d.archived && d.deletedAt === null)
    .sort(byPosition)
    .map(customFieldSpecOf);
}

/** The optional list columns custom fields offer (the registry's column shape). */
export function customColumnOf(spec: CustomFieldSpec): ListColumnSpec {
  return { field: spec.name, width: columnWidth[spec.custom.kind], sortable: false, show: null };
}

/** A record's custom values by definition id (empty when it has none or the value is damaged). */
export function customValuesOf(record: unknown): Readonly<Record<string, unknown>> {
  if (record === null || typeof record !== 'object') return {};
  const values = (record as { custom?: unknown }).custom;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return {};
  return values as Record<string, unknown>;
}

/** A record's value of a custom field (undefined: not set). */
export function customValueOf(record: unknown, id: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  const values = (record as { custom?: unknown }).custom;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
  return Object.hasOwn(values, id) ? (values as Record<string, unknown>)[id] : undefined;
}

/**
 * Folds per-field values into the `custom` object a record stores: keys in id order (so every
 * replica writes the same bytes whatever order the ops came in), cleared (null) values left out.
 */
export function foldCustomValues(values: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const entries = [...values].filter(([, v]) => v !== null && v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** A record's custom values from its per-field op winners (`cf:<id>` -> value), folded. */
export function foldCustomOps(
  winners: Iterable<readonly [string, { readonly value: unknown }]>,
): Record<string, unknown> {
  const values: [string, unknown][] = [];
  for (const [field, w] of winners) {
    const id = customIdOf(field);
    if (id !== null) values.push([id, w.value]);
  }
  return foldCustomValues(values);
}

/**
 * A record's search document with its text-kind custom values appended to the body (full-text
 * search); `textIds` are the ids of the entity's text custom fields.
 */
export function withCustomText(doc: SearchDoc, record: unknown, textIds: ReadonlySet<string>): SearchDoc {
  if (textIds.size === 0) return doc;
  const texts: string[] = [];
  const values = (record as { custom?: unknown } | null)?.custom;
  if (values === null || typeof values !== 'object') return doc;
  for (const [id, v] of Object.entries(values as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  ))
    if (textIds.has(id) && typeof v === 'string' && v !== '') texts.push(v);
  if (texts.length === 0) return doc;
  return { ...doc, body: [doc.body, ...texts].filter(Boolean).join(' ') };
}

// ---- list filters ---------------------------------------------------------------------------------

const filterValue = z.union([z.string().min(1).max(200), z.number().finite()]);

/**
 * One condition on a custom field in a list filter: `contains` (text, case-insensitive), `eq`
 * (text, number, money in minor units, date, select option), `range` (number, money, date; bounds
 * inclusive, either may be left out), `anyOf` (select and multi-select options), `checked`.
 */
export const customFilterSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('contains'), field: idSchema, value: z.string().min(1).max(200) }),
  z.strictObject({ op: z.literal('eq'), field: idSchema, value: filterValue }),
  z.strictObject({
    op: z.literal('range'),
    field: idSchema,
    min: filterValue.optional(),
    max: filterValue.optional(),
  }),
  z.strictObject({
    op: z.literal('anyOf'),
    field: idSchema,
    values: z.array(customOptionIdSchema).min(1).max(50),
  }),
  z.strictObject({ op: z.literal('checked'), field: idSchema, value: z.boolean() }),
]);
export type CustomFilter = z.infer<typeof customFilterSchema>;
/** The `custom` key of the account, contact and deal list filters: every condition must hold. */
export const customFiltersSchema = z.array(customFilterSchema).min(1).max(10);
