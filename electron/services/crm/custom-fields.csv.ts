import Papa from 'papaparse';
import type { CustomField, CustomFieldEntity } from '../../../shared/domain/crm.schemas';
import { customFieldSpecOf, customOpField, customValueOf } from '../../../shared/domain/custom-fields';
import {
  parseLocaleAmountMinor,
  parseLocaleDate,
  parseLocaleNumber,
} from '../../../shared/locale/locale.parse';
import type { ImportTarget } from '../../../shared/ipc/channels/import.schemas';
import { currencyDigits, minorAsDecimalText } from '../../../shared/locale/locale.parse';
import type { CrmService } from './crm.service';
import { columnNames, unguardCell } from './import.file';
import { guessTarget } from './import.guesses';
import type { RecordData } from './records.repository';

/*
 * Custom fields in CSV: the export writes one column per live, unarchived custom field of the
 * entity (headed by its label, or "<label> (custom)" where a built-in column already has that
 * header) and the import maps such columns back by the same names, or as the wizard says.
 */

/** Minor-unit digits of a custom money field's currency (EUR when it names none). */
const digitsOf = (currency: string | null): number => currencyDigits(currency ?? 'EUR');

const YES = new Set(['yes', 'y', 'true', '1', 'x', '✓', '是', '对', 'ja', 'oui', 'sí', 'si']);
const NO = new Set(['no', 'n', 'false', '0', '否', '不', 'nein', 'non']);

/** A custom value as an export cell (read back by `parseCustomCell`). */
export function formatCustomCell(def: CustomField, value: unknown): string {
  if (value === undefined || value === null) return '';
  const label = (id: unknown) => def.options.find((o) => o.id === id)?.label ?? '';
  switch (def.kind) {
    case 'text':
    case 'date':
      return typeof value === 'string' ? value : '';
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    case 'money':
      return typeof value === 'number' ? minorAsDecimalText(value, def.currency ?? 'EUR') : '';
    case 'select':
      return label(value);
    case 'multiSelect':
      return Array.isArray(value) ? value.map(label).filter(Boolean).join('; ') : '';
    case 'checkbox':
      return value === true ? 'Yes' : 'No';
  }
}

/** A cell as the field's value: null for an empty cell, undefined when it does not fit the kind. */
export function parseCustomCell(def: CustomField, raw: string, locale: string): unknown {
  const text = unguardCell(raw.trim()).trim();
  if (text === '') return null;
  const option = (t: string) => {
    const k = t.trim().toLowerCase();
    return def.options.find((o) => o.label.toLowerCase() === k || o.id === t.trim())?.id;
  };
  let value: unknown;
  switch (def.kind) {
    case 'text':
      value = text;
      break;
    case 'number':
      value = parseLocaleNumber(text, locale) ?? undefined;
      break;
    case 'money':
      value = parseLocaleAmountMinor(text, locale, digitsOf(def.currency)) ?? undefined;
      break;
    case 'date':
      value = /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : (parseLocaleDate(text, locale) ?? undefined);
      break;
    case 'select':
      value = option(text);
      break;
    case 'multiSelect': {
      const ids = text
        .split(/[;,，；、|]/)
        .map((p) => p.trim())
        .filter(Boolean)
        .map(option);
      value = ids.some((x) => x === undefined) ? undefined : [...new Set(ids)];
      break;
    }
    case 'checkbox': {
      const k = text.toLowerCase();
      value = YES.has(k) ? true : NO.has(k) ? false : undefined;
      break;
    }
  }
  if (value === undefined) return undefined;
  return customFieldSpecOf(def).schema.safeParse(value).success ? value : undefined;
}

/** The export header of each field: its label, unless a built-in column already has that name. */
function headersOf(defs: readonly CustomField[], builtIn: readonly string[]): Map<string, string> {
  const taken = new Set(builtIn.map((h) => h.toLowerCase()));
  const out = new Map<string, string>();
  for (const d of defs) {
    let header = taken.has(d.label.toLowerCase()) ? `${d.label} (custom)` : d.label;
    for (let n = 2; taken.has(header.toLowerCase()); n++) header = `${d.label} (custom ${n})`;
    taken.add(header.toLowerCase());
    out.set(d.id, header);
  }
  return out;
}

function liveFields(svc: CrmService, entity: string): CustomField[] {
  return svc.writer.customFields.all().filter((d) => d.entity === entity && !d.archived);
}

/** The export's custom columns for an entity, after its built-in `headers`. */
export function customExportColumns(
  svc: CrmService,
  entity: string,
  headers: readonly string[],
): { header: string; cell: (r: RecordData) => string }[] {
  const defs = liveFields(svc, entity);
  const names = headersOf(defs, headers);
  return defs.map((def) => ({
    header: names.get(def.id)!,
    cell: (r: RecordData) => formatCustomCell(def, customValueOf(r, def.id)),
  }));
}

/** How one import treats its custom columns. */
export interface CustomImport {
  /** The built-in mapping, with custom columns mapped to `ignore` (the built-in import skips them). */
  readonly mapping: Record<string, ImportTarget>;
  /** Header -> `cf:<id>` for the columns that go to custom fields. */
  readonly customMapping: Record<string, string>;
  /** The custom fields a column can be mapped to (the wizard's extra choices). */
  readonly customTargets: { target: string; label: string }[];
  /** Cells that do not fit their field: `column` is the header. */
  readonly errors: { row: number; column: string; code: 'invalid_value' }[];
  /** The `custom` input of a data row (1-based), or undefined when it has none. */
  valuesOf(row: number): Record<string, unknown> | undefined;
}

/**
 * Reads the custom columns of an import: a header maps to a custom field when `customMapping`
 * says so, or when the built-in guess leaves it unmapped and it is the field's label (or its
 * export header). Cells are parsed per kind in the file's locale; those that do not fit are
 * returned in `errors` (and left out of the values), for the caller's error policy.
 */
export function readCustomColumns(
  svc: CrmService,
  entity: CustomFieldEntity,
  input: {
    readonly csv: string;
    readonly mapping?: Readonly<Partial<Record<string, ImportTarget>>>;
    readonly customMapping?: Readonly<Record<string, string>>;
    readonly locale?: string;
  },
  builtInHeaders: readonly string[] = [],
): CustomImport {
  const defs = liveFields(svc, entity);
  const given = input.mapping ?? {};
  const byTarget = new Map(defs.map((d) => [customOpField(d.id), d]));
  const names = headersOf(defs, builtInHeaders);
  const byName = new Map<string, CustomField>();
  for (const d of defs) {
    byName.set(d.label.trim().toLowerCase(), d);
    // The export's header where a built-in column has the label ("Region (custom)").
    byName.set(`${d.label.trim()} (custom)`.toLowerCase(), d);
    byName.set(names.get(d.id)!.toLowerCase(), d);
  }
  const text = input.csv.startsWith('\ufeff') ? input.csv.slice(1) : input.csv;
  const first = Papa.parse<string[]>(text, { header: false, skipEmptyLines: 'greedy', preview: 1 });
  const row = first.data[0] ?? [];
  const headers = columnNames(row);
  const columns: { index: number; def: CustomField; header: string }[] = [];
  const mapping: Record<string, ImportTarget> = {};
  for (const [h, v] of Object.entries(given)) if (v !== undefined) mapping[h] = v;
  const customMapping: Record<string, string> = {};
  headers.forEach((h, index) => {
    let def: CustomField | undefined;
    if (input.customMapping && Object.hasOwn(input.customMapping, h))
      def = byTarget.get(input.customMapping[h]!);
    // A column the wizard left at "ignore" (as the preview maps custom columns) is guessed again.
    else if ((given[h] ?? 'ignore') === 'ignore' && guessTarget(row[index]!.trim(), entity) === 'ignore')
      def = byName.get(row[index]!.trim().toLowerCase());
    if (!def) return;
    columns.push({ index, def, header: h });
    mapping[h] = 'ignore';
    customMapping[h] = customOpField(def.id);
  });
  const customTargets = defs.map((d) => ({ target: customOpField(d.id), label: d.label }));
  const errors: CustomImport['errors'] = [];
  const values = new Map<number, Record<string, unknown>>();
  if (columns.length > 0) {
    const all = Papa.parse<string[]>(text, { header: false, skipEmptyLines: 'greedy' }).data;
    const locale = input.locale ?? 'en';
    for (let r = 1; r < all.length; r++) {
      const cells = all[r]!;
      const out: Record<string, unknown> = {};
      for (const c of columns) {
        const v = parseCustomCell(c.def, cells[c.index] ?? '', locale);
        if (v === undefined) errors.push({ row: r, column: c.header, code: 'invalid_value' });
        else if (v !== null) out[c.def.id] = v;
      }
      if (Object.keys(out).length > 0) values.set(r, out);
    }
  }
  return { mapping, customMapping, customTargets, errors, valuesOf: (row) => values.get(row) };
}

/**
 * The rows the import's error policy leaves out because of custom cells, and what it reports:
 * abort and skipRows count them as row errors; dropInvalidValues drops the value with a warning.
 */
export function customRowPolicy(
  custom: CustomImport,
  onRowError: 'abort' | 'skipRows' | 'dropInvalidValues' | undefined,
): { skip: ReadonlySet<number>; errors: CustomImport['errors']; warnings: CustomImport['errors'] } {
  if (onRowError === 'dropInvalidValues') return { skip: new Set(), errors: [], warnings: custom.errors };
  return { skip: new Set(custom.errors.map((e) => e.row)), errors: custom.errors, warnings: [] };
}

/** `readCustomColumns` for any importable entity (activities and tasks have none: nothing to read). */
export function customColumnsOf(
  svc: CrmService,
  entity: 'account' | 'deal' | 'activity' | 'task',
  input: Parameters<typeof readCustomColumns>[2],
): CustomImport {
  // Activities and tasks have no custom fields.
  if (entity !== 'activity' && entity !== 'task') return readCustomColumns(svc, entity, input);
  const mapping: Record<string, ImportTarget> = {};
  for (const [h, v] of Object.entries(input.mapping ?? {})) if (v !== undefined) mapping[h] = v;
  return { mapping, customMapping: {}, customTargets: [], errors: [], valuesOf: () => undefined };
}
