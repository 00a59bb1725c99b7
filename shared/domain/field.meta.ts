import { z } from 'zod';

/** How a field's value is kept in its SQLite column. */
export type StorageKind = 'text' | 'int' | 'real' | 'bool' | 'json';

/**
 * How a record page or form edits the field (absent: not edited there). member: a workspace
 * member's id, picked with the member picker and shown by the member's name.
 */
export type InputKind =
  | 'text'
  | 'optText'
  | 'textarea'
  | 'list'
  | 'money'
  | 'int'
  | 'date'
  | 'member'
  /** An ISO 4217 code: typed in any case, offered from the codes the runtime knows. */
  | 'currency';

/**
 * How a list cell shows the field's value; the renderer owns the formatting of each. Absent: the
 * value as text. first/join: an array's first element / all elements; status: the deal status label;
 * member: the name of the member an owner value names.
 */
export type ColumnShow = 'first' | 'join' | 'money' | 'stage' | 'status' | 'date' | 'member';

/** The field is a column of its entity's list. */
export interface ListColumnMeta {
  /** The column's CSS grid track (`1fr`, `140px`, `minmax(160px, 2fr)`). */
  readonly width: string;
  /** The list channel sorts by this field (its `listInput` sort enum must name it). */
  readonly sortable?: true;
  readonly show?: ColumnShow;
}

/** A default value: plain JSON data (kept shallow: zod's registry maps meta types recursively). */
export type JsonValue =
  string | number | boolean | null | readonly unknown[] | { readonly [k: string]: unknown };

/**
 * What the app knows about one CRM field besides its zod schema: everything storage, forms, search,
 * sync and conflict review need. Attached to the field's schema with `field()`, so a field is
 * declared on one line of `crm.schemas.ts` and the entity registry derives the rest.
 */
export interface FieldMeta {
  readonly storage: StorageKind;
  /** The value a create that leaves the field out gets. Absent: the field is required. */
  readonly default?: JsonValue;
  readonly input?: InputKind;
  /** For list inputs and phone fields: what each element is (picks the validation message). */
  readonly element?: 'email' | 'phone' | 'tag';
  /** Concurrent changes on two devices are kept for a human to review (the conflicts screen). */
  readonly conflict?: true;
  /** The entity a reference field points at (checked on local writes). */
  readonly ref?: 'account' | 'contact' | 'deal' | 'pipeline';
  /** Shown as a list column, in schema order. */
  readonly listColumn?: ListColumnMeta;
}

/** Field metadata by field schema instance (each `field()` call registers its own copy). */
export const fieldMeta = z.registry<FieldMeta, z.ZodType>();

/** Declares a CRM field: a private copy of `schema` carrying `meta`. */
export function field<S extends z.ZodType>(schema: S, meta: FieldMeta): S {
  const own = schema.clone();
  const registered: z.ZodType = own;
  fieldMeta.add(registered, meta);
  return own;
}
