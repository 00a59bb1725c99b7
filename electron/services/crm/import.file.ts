import Papa from 'papaparse';
import { AppError } from '../../../shared/errors';
import {
  MAX_IMPORT_ROWS,
  type ImportEntity,
  type ImportTarget,
} from '../../../shared/ipc/channels/import.schemas';
import { ENTITY_TARGETS, guessTarget } from './import.guesses';

/** A file read as rows of cells, with its column mapping. */
export interface ParsedFile {
  readonly entity: ImportEntity;
  readonly data: string[][];
  readonly headers: string[];
  readonly targets: ImportTarget[];
  readonly mapping: Record<string, ImportTarget>;
  /** A column is mapped to what the entity cannot be created without (a name; an activity's date). */
  readonly hasName: boolean;
  readonly parseErrors: Papa.ParseError[];
}

/** Targets that give each entity its required name. */
const NAME_TARGETS: Record<ImportEntity, readonly ImportTarget[]> = {
  contact: ['name', 'givenName', 'familyName'],
  account: ['name'],
  deal: ['name'],
  activity: ['occurredAt'],
  task: ['name'],
};

/**
 * Undoes the export's formula guard: `'` before = + - @ tab or CR is what `neutraliseCell` added,
 * so `'+49 30 1234` reads back as the phone `+49 30 1234`.
 */
export function unguardCell(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && /^[=+\-@\t\r]/.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * The name each column is mapped by: its header, trimmed, and for a header seen before in the row
 * that header with its occurrence ("Phone", "Phone (2)"). The mapping is keyed by these names, so two
 * columns with one header are two columns the user can map apart.
 */
export function columnNames(headerRow: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(headerRow.map((h) => h.trim()));
  return headerRow.map((cell) => {
    const h = cell.trim();
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    if (n === 1) return h;
    let k = n;
    while (taken.has(`${h} (${k})`)) k++;
    const name = `${h} (${k})`;
    taken.add(name);
    return name;
  });
}

/**
 * Parses the file (delimiter detected: comma, semicolon, tab...) and maps its columns. Throws
 * VALIDATION when there is nothing to map (no header row) and IMPORT_TOO_MANY_ROWS past
 * `MAX_IMPORT_ROWS`; a file whose columns do not give a name still parses, so the mapping step can
 * fix that.
 */
export function parseFile(
  csv: string,
  entity: ImportEntity,
  given: Readonly<Record<string, ImportTarget>> = {},
): ParsedFile {
  const text = csv.startsWith('\ufeff') ? csv.slice(1) : csv;
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: 'greedy' });
  const data = parsed.data;
  if (data.length === 0) throw new AppError('VALIDATION', 'The file has no header row');
  if (data.length - 1 > MAX_IMPORT_ROWS)
    throw new AppError('IMPORT_TOO_MANY_ROWS', `The file has more than ${MAX_IMPORT_ROWS} rows`);
  const headers = columnNames(data[0]!);
  const allowed = ENTITY_TARGETS[entity];
  // Own-property lookups only: a header named "constructor" or "__proto__" is just a header.
  const targets = headers.map((h, i): ImportTarget => {
    if (Object.hasOwn(given, h)) {
      const t = given[h]!;
      return allowed.includes(t) ? t : 'ignore';
    }
    // A repeated header is guessed as the header it repeats.
    return guessTarget(data[0]![i]!.trim(), entity);
  });
  const mapping = Object.fromEntries(headers.map((h, i) => [h, targets[i]!])) as Record<string, ImportTarget>;
  const hasName = targets.some((t) => NAME_TARGETS[entity].includes(t));
  return { entity, data, headers, targets, mapping, hasName, parseErrors: parsed.errors };
}

/** Lets other calls run between chunks of a long import (the event loop turns once). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A running import's cancel flag and progress callback. */
export interface ImportControl {
  /** True once the user cancelled; checked between chunks while nothing is written yet. */
  readonly cancelled: () => boolean;
  /** Rows analysed so far. */
  readonly progress: (done: number, total: number) => void;
  /** True once the vault this import started on was locked (checked with the cancel flag). */
  readonly closed?: () => boolean;
}

export const NO_CONTROL: ImportControl = { cancelled: () => false, progress: () => undefined };

/** Throws the cancel error when the import was cancelled. */
export function checkCancelled(control: ImportControl): void {
  if (control.closed?.()) throw new AppError('VAULT_LOCKED', 'The vault was locked; nothing was imported');
  if (control.cancelled())
    throw new AppError('IMPORT_CANCELLED', 'The import was cancelled; nothing was imported');
}
