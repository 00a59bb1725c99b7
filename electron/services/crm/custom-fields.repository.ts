import type Database from 'better-sqlite3-multiple-ciphers';
import { customFieldSchema, type CustomField, type EntityKind } from '../../../shared/domain/crm.schemas';
import {
  customFieldSpecOf,
  customFiltersSchema,
  type CustomFieldSpec,
  type CustomFilter,
} from '../../../shared/domain/custom-fields';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/database';
import { customFieldDef } from './crm.entities';
import type { RecordsRepository } from './records.repository';

/**
 * Custom field definitions as the writer, the service and the import/export see them: parsed from
 * `crm_custom_fields` rows into field specs. Reads are cached until `invalidate` (the writer calls
 * it whenever it writes a definition and at the start of every apply).
 */
export class CustomFieldsRepository {
  private specs = new Map<string, CustomFieldSpec | null>();
  private texts = new Map<EntityKind, ReadonlySet<string>>();
  private entityOf = new Map<string, string>();
  private readonly textStmt: Database.Statement<[string], { id: string }>;

  constructor(
    db: Db,
    private readonly records: RecordsRepository,
  ) {
    this.textStmt = db.prepare<[string], { id: string }>(
      "SELECT id FROM crm_custom_fields WHERE entity = ? AND kind = 'text' ORDER BY id",
    );
  }

  invalidate(): void {
    this.specs = new Map();
    this.texts = new Map();
    this.entityOf = new Map();
  }

  /** A definition (archived and deleted ones included), or null when unknown or damaged. */
  definition(id: string): CustomField | null {
    const row = this.records.get(customFieldDef, id);
    if (!row) return null;
    const parsed = customFieldSchema.safeParse(row);
    return parsed.success ? parsed.data : null;
  }

  /** The field spec of a definition of `entity`, or null (unknown, damaged, or another entity's). */
  spec(entity: string, id: string): CustomFieldSpec | null {
    let spec = this.specs.get(id);
    if (spec === undefined) {
      const def = this.definition(id);
      spec = def ? customFieldSpecOf(def) : null;
      this.specs.set(id, spec);
      if (spec && def) this.entityOf.set(id, def.entity);
    }
    return spec && this.entityOf.get(id) === entity ? spec : null;
  }

  /** Ids of the entity's text-kind fields (their values are full-text searched). */
  textIds(entity: EntityKind): ReadonlySet<string> {
    let ids = this.texts.get(entity);
    if (!ids) {
      ids = new Set(this.textStmt.all(entity).map((r) => r.id));
      this.texts.set(entity, ids);
    }
    return ids;
  }

  /** Every live definition that parses (archived ones included), in display order. */
  all(): CustomField[] {
    const out: CustomField[] = [];
    for (const row of this.records.iterate(customFieldDef, null)) {
      const parsed = customFieldSchema.safeParse(row);
      if (parsed.success) out.push(parsed.data);
    }
    return out.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
  }
}

/**
 * SQL conditions for a list's custom field filter (`customFiltersSchema`, already parsed by the
 * channel): each condition reads the value at `$."<id>"` of the record's JSON `custom` column. Every
 * value, the JSON path included, is a bound parameter.
 */
export function customFilterSql(value: unknown): { where: string[]; params: unknown[] } {
  // The channel parsed it; parsed again here so no caller can hand the SQL an unchecked shape.
  const parsed = customFiltersSchema.safeParse(value);
  if (!parsed.success) throw new AppError('VALIDATION', 'The custom field filter is not valid');
  const filters: readonly CustomFilter[] = parsed.data;
  const where: string[] = [];
  const params: unknown[] = [];
  for (const f of filters) {
    const path = `$."${f.field}"`;
    switch (f.op) {
      case 'contains':
        where.push(`instr(lower(json_extract(custom, ?)), lower(?)) > 0`);
        params.push(path, f.value);
        break;
      case 'eq':
        where.push(`json_extract(custom, ?) = ?`);
        params.push(path, f.value);
        break;
      case 'range':
        if (f.min !== undefined) {
          where.push(`json_extract(custom, ?) >= ?`);
          params.push(path, f.min);
        }
        if (f.max !== undefined) {
          where.push(`json_extract(custom, ?) <= ?`);
          params.push(path, f.max);
        }
        if (f.min === undefined && f.max === undefined) {
          where.push(`json_extract(custom, ?) IS NOT NULL`);
          params.push(path);
        }
        break;
      case 'anyOf':
        // json_each over a scalar yields that one value, so this serves select and multi-select.
        where.push(
          `EXISTS (SELECT 1 FROM json_each(custom, ?) AS v WHERE v.value IN (SELECT value FROM json_each(?)))`,
        );
        params.push(path, JSON.stringify(f.values));
        break;
      case 'checked':
        where.push(f.value ? `json_extract(custom, ?) = 1` : `coalesce(json_extract(custom, ?), 0) = 0`);
        params.push(path);
        break;
    }
  }
  return { where, params };
}
