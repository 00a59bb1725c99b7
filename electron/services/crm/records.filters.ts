import { AppError } from '../../../shared/errors';
import type { EntityDef } from './crm.entities';
import { customFilterSql } from './custom-fields.repository';

/**
 * The WHERE conditions (joined with AND) and their parameters for a list filter, from the entity's
 * filter definitions: one translation shared by lists, counts and grouped sums. An unknown filter is
 * a VALIDATION error.
 */
export function filterSql<T>(
  def: EntityDef<T>,
  filter: Readonly<Record<string, unknown>>,
  includeDeleted: boolean,
): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (!includeDeleted) where.push('deleted_at IS NULL');
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const f = def.filters[key];
    if (!f) throw new AppError('VALIDATION', 'Unknown filter');
    if (f.op === 'custom') {
      const custom = customFilterSql(value);
      where.push(...custom.where);
      params.push(...custom.params);
      continue;
    }
    if (f.op === 'anyOf') {
      const values = (value as readonly string[]).map((v) => v.toLowerCase());
      if (values.length === 0) where.push('0');
      else where.push(`lower(${f.column}) IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
      continue;
    }
    if (f.op === 'tag') where.push(`EXISTS (SELECT 1 FROM json_each(${f.column}) WHERE value = ?)`);
    else if (f.op === 'before') where.push(`${f.column} < ?`);
    else if (f.op === 'after') where.push(`${f.column} >= ?`);
    else if (value === null) {
      where.push(`${f.column} IS NULL`);
      continue;
    } else where.push(`${f.column} = ?`);
    params.push(f.op === 'bool' ? (value ? 1 : 0) : value);
  }
  return { where, params };
}
