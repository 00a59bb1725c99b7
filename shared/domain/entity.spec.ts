import type { z } from 'zod';
import type { EntityKind } from './crm.schemas';
import {
  fieldMeta,
  type ColumnShow,
  type FieldMeta,
  type InputKind,
  type JsonValue,
  type StorageKind,
} from './field.meta';

/*
 * What the entity registry is made of: the spec types and `defineEntity`, which derives an entity's
 * fields, defaults, form, columns and conflict fields from its zod schema and field metadata.
 * entity.registry.ts declares the entities and re-exports these.
 */

/** One field of an entity, derived from its zod schema and the metadata `field()` attached to it. */
export interface FieldSpec {
  readonly name: string;
  /** SQLite column: the field name in snake_case. */
  readonly column: string;
  readonly storage: StorageKind;
  /** Validates a value of this field, for local edits and remote ops alike. */
  readonly schema: z.ZodType;
  /** False for required fields (no default). */
  readonly hasDefault: boolean;
  readonly default: JsonValue;
  readonly input: InputKind | null;
  readonly element: FieldMeta['element'] | null;
  readonly conflict: boolean;
  readonly ref: FieldMeta['ref'] | null;
}

/** A column of an entity's list (the renderer adds meta columns such as `updatedAt`). */
export interface ListColumnSpec<F extends string = string> {
  readonly field: F;
  /** CSS grid track. */
  readonly width: string;
  /** The field is a sort field of the entity's list channel. */
  readonly sortable: boolean;
  /** Null: the value as text. */
  readonly show: ColumnShow | null;
}

/** A keyset-sortable column; nullable ones sort as `nulls`, so (value, id) is a total order. */
export interface SortSpec {
  readonly column: string;
  readonly kind: 'text' | 'num';
  readonly nulls?: string | number;
  /** 'nocase': ordered and compared without regard to ASCII case (acme before Bravo), as a name is read. */
  readonly collate?: 'nocase';
}

export interface FilterSpec {
  readonly column: string;
  /**
   * eq: column = ?; tag: JSON array column contains ?; before/after: column < ? / column >= ?;
   * custom: conditions on custom fields (`customFiltersSchema`) over the JSON `custom` column;
   * anyOf: lower(column) is one of the (lower-cased) strings given ("My records", "My team").
   */
  readonly op: 'eq' | 'tag' | 'before' | 'after' | 'bool' | 'custom' | 'anyOf';
}

/** Text the search index holds for one record. */
export interface SearchDoc {
  readonly title: string;
  readonly body: string;
  /** Phone numbers reduced to digits (searched by any digit run). */
  readonly digits: string;
  /** E-mail addresses and domains (searched by fragment). */
  readonly emails: string;
}

export type FieldName<S extends z.ZodObject> = keyof z.output<S> & string;

/** Everything the app knows about one entity kind. `T` is the record type the API returns. */
export interface EntitySpec<T = unknown, F extends string = string> {
  readonly kind: EntityKind;
  readonly table: string;
  /** Field schemas (no meta fields), strict. */
  readonly fieldsSchema: z.ZodObject;
  /** A whole stored record as the API returns it (meta included). */
  readonly recordSchema: z.ZodObject;
  /** Every field in schema order, by name. */
  readonly fields: { readonly [K in F]: FieldSpec };
  readonly fieldNames: readonly F[];
  /** Values of the fields a create may leave out. */
  readonly defaults: Readonly<Record<string, JsonValue>>;
  /** Fields whose concurrent changes are kept for review. */
  readonly conflictFields: readonly F[];
  /** Inline-editable fields of the record page, in display order. */
  readonly form: readonly FieldSpec[];
  /** The list's field columns, in schema order. */
  readonly listColumns: readonly ListColumnSpec<F>[];
  readonly sorts: Readonly<Record<string, SortSpec>>;
  readonly defaultSort: { readonly field: string; readonly dir: 'asc' | 'desc' };
  readonly filters: Readonly<Record<string, FilterSpec>>;
  /** Null for entities that are not searchable. (A method, so specs of any T are interchangeable.) */
  readonly search: { doc(record: T): SearchDoc } | null;
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function fieldsOf<S extends z.ZodObject>(kind: EntityKind, schema: S): Record<FieldName<S>, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const [name, fieldSchema] of Object.entries<z.ZodType>(schema.shape)) {
    const meta = fieldMeta.get(fieldSchema);
    // A field declared without `field()` would have no column: fail when the module loads.
    if (!meta) throw new Error(`${kind}.${name} has no field metadata`);
    out[name] = {
      name,
      column: snake(name),
      storage: meta.storage,
      schema: fieldSchema,
      hasDefault: meta.default !== undefined,
      default: meta.default ?? null,
      input: meta.input ?? null,
      element: meta.element ?? null,
      conflict: meta.conflict === true,
      ref: meta.ref ?? null,
    };
  }
  return out;
}

/** What `defineEntity` takes beside the schemas. */
export interface SpecInput<T, S extends z.ZodObject> {
  readonly kind: EntityKind;
  readonly table: string;
  readonly fieldsSchema: S;
  readonly recordSchema: z.ZodObject;
  readonly sorts: Readonly<Record<string, SortSpec>>;
  readonly defaultSort: {
    readonly field: 'createdAt' | 'updatedAt' | FieldName<S>;
    readonly dir: 'asc' | 'desc';
  };
  readonly filters: Readonly<Record<string, FilterSpec>>;
  readonly search: ((record: T) => SearchDoc) | null;
}

/** The spec of one entity: its fields from the schema, plus what the caller declares. */
export function defineEntity<T, S extends z.ZodObject>(input: SpecInput<T, S>): EntitySpec<T, FieldName<S>> {
  const fields = fieldsOf(input.kind, input.fieldsSchema);
  const list = Object.values<FieldSpec>(fields);
  const names = list.map((f) => f.name as FieldName<S>);
  const search = input.search;
  const listColumns = names.flatMap((name): ListColumnSpec<FieldName<S>>[] => {
    const column = fieldMeta.get(fields[name].schema)?.listColumn;
    if (!column) return [];
    return [
      { field: name, width: column.width, sortable: column.sortable === true, show: column.show ?? null },
    ];
  });
  return {
    kind: input.kind,
    table: input.table,
    fieldsSchema: input.fieldsSchema,
    recordSchema: input.recordSchema,
    fields,
    fieldNames: names,
    defaults: Object.fromEntries(list.filter((f) => f.hasDefault).map((f) => [f.name, f.default])),
    conflictFields: names.filter((n) => fields[n].conflict),
    form: list.filter((f) => f.input !== null),
    listColumns,
    sorts: input.sorts,
    defaultSort: input.defaultSort,
    filters: input.filters,
    search: search ? { doc: (record: T) => search(record) } : null,
  };
}
