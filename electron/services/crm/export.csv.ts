import Papa from 'papaparse';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { entityDefs, type EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';

/**
 * A cell a spreadsheet would evaluate (starts with = + - @ tab or CR) gets a leading apostrophe, so an
 * exported name like `=HYPERLINK(...)` stays text (OWASP "CSV injection").
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value))
    return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('; ');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** CSV (UTF-8 with BOM, CRLF, every cell quoted) of the live records of one entity. */
export function exportCsv(
  svc: CrmService,
  entity: 'account' | 'contact' | 'deal' | 'activity' | 'task',
  ids: readonly string[] | null,
): ChannelOutput<'export.csv'> {
  const def: EntityDef<unknown> = entityDefs[entity];
  const columns = ['id', ...Object.keys(def.fields), 'createdAt', 'updatedAt'];
  const rows: string[][] = [];
  for (const record of svc.records.iterate(def, ids)) {
    rows.push(columns.map((c) => neutraliseCell(cellText(record[c]))));
  }
  const csv = Papa.unparse({ fields: columns, data: rows }, { quotes: true, newline: '\r\n' });
  return {
    filename: `${entity}s.csv`,
    mimeType: 'text/csv',
    content: '\ufeff' + csv + '\r\n',
    count: rows.length,
  };
}
