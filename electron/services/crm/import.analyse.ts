import type { z } from 'zod';
import { contactCreateSchema, userRefSchema } from '../../../shared/domain/crm.schemas';
import type { ParsedInput } from '../../../shared/ipc/contract';
import type { ImportTarget, importRowErrorSchema } from '../../../shared/ipc/channels/import.schemas';
import type { CrmService } from './crm.service';
import { duplicateIndex } from './duplicates.service';
import {
  CJK,
  EMPTY,
  fitsContact,
  NO_CONSENT,
  quickEmail,
  quickPhone,
  splitMulti,
  truthy,
  unique,
} from './import.cells';
import { checkCancelled, unguardCell, yieldToLoop, type ImportControl, type ParsedFile } from './import.file';
import { memberOfCell, type CsvMembers } from './members.csv';

/**
 * The contact CSV import's analysis (issue 14): every row validated, de-duplicated against the live
 * contacts and the rows before it, and handed on in batches; `import.csv.ts` previews and commits
 * what it finds.
 */
export type RowError = z.infer<typeof importRowErrorSchema>;
export type ImportInput = ParsedInput<'import.preview'>;

export interface Candidate {
  readonly row: number;
  readonly contact: z.output<typeof contactCreateSchema>;
  readonly accountName: string | null;
}

export interface Analysis {
  readonly headers: string[];
  readonly mapping: Record<string, ImportTarget>;
  readonly rows: number;
  /** Rows that would be imported. */
  readonly valid: number;
  /** The first 20 of them. */
  readonly sample: Candidate[];
  readonly errors: RowError[];
  readonly errorRows: Set<number>;
  /** Values dropped from kept rows (dropInvalidValues only). */
  readonly warnings: RowError[];
  readonly duplicates: { row: number; of: 'existing' | 'file' }[];
  readonly possible: { row: number; of: 'existing' | 'file'; id?: string; name?: string }[];
}

/** Rows handed to the importer at a time while the file is analysed. */
const BATCH_ROWS = 2000;

/**
 * Validates and de-duplicates every row; writes nothing itself. The rows to import are handed to
 * `take` in file order, in batches, while the analysis goes on, so an import writes them as they
 * come instead of holding the whole file's contacts at once (with the error rows counted so far).
 */
export async function analyse(
  svc: CrmService,
  file: ParsedFile,
  input: ImportInput,
  now: number,
  take: (batch: Candidate[], errorRowsSoFar: number) => void,
  control: ImportControl,
  members: CsvMembers,
): Promise<Analysis> {
  const { data, headers, targets, mapping } = file;
  const dedupe = input.dedupeBy ?? 'emailOrPhone';
  const dropInvalid = input.onRowError === 'dropInvalidValues';
  const warnings: RowError[] = [];
  const source = input.source?.trim() || 'CSV import';
  const errors: RowError[] = [];
  const errorRows = new Set<number>();
  const duplicates: Analysis['duplicates'] = [];
  const possible: Analysis['possible'] = [];
  // Same normalised name as a live contact or an earlier row: imported, but shown as a possible duplicate.
  const names = dedupe === 'none' ? null : duplicateIndex(svc, 'contact');
  let batch: Candidate[] = [];
  const sample: Candidate[] = [];
  let valid = 0;
  /** Keys of the rows kept so far. */
  const seen = new Set<string>();
  const useEmail = dedupe === 'email' || dedupe === 'emailOrPhone';
  const usePhone = dedupe === 'phone' || dedupe === 'emailOrPhone';
  for (const e of file.parseErrors) {
    if (typeof e.row === 'number' && e.row > 0) {
      errors.push({ row: e.row, column: '', code: 'parse' });
      errorRows.add(e.row);
    }
  }

  const existingKeys = dedupe === 'none' ? new Set<string>() : svc.search.contactKeys();
  const fail = (r: number, column: string, code: RowError['code']) => {
    errors.push({ row: r, column, code });
    errorRows.add(r);
  };
  // A bad value: dropped with a warning in dropInvalidValues mode, else an error of its row.
  const bad = dropInvalid
    ? (r: number, column: string, code: RowError['code']) => {
        warnings.push({ row: r, column, code });
      }
    : fail;
  // One plain loop per row and column: this runs for every cell of files with 100k+ rows.
  for (let r = 1; r < data.length; r++) {
    if (r % BATCH_ROWS === 0) {
      control.progress(r, data.length - 1);
      await yieldToLoop();
      checkCancelled(control);
    }
    if (errorRows.has(r)) continue;
    const cells = data[r]!;
    let name = '';
    let given = '';
    let family = '';
    const emails: string[] = [];
    const phones: string[] = [];
    let address: Record<string, string> | null = null;
    const tags: string[] = [];
    let notes = '';
    let title: string | null = null;
    let ownerId: string | null = null;
    let accountName: string | null = null;
    let optIn = false;
    for (let c = 0; c < targets.length; c++) {
      const target = targets[c]!;
      if (target === 'ignore') continue;
      const raw = unguardCell((cells[c] ?? '').trim());
      if (!raw) continue;
      switch (target) {
        case 'name':
          name = raw;
          break;
        case 'givenName':
          given = raw;
          break;
        case 'familyName':
          family = raw;
          break;
        case 'email':
          for (const e of splitMulti(raw)) {
            const p = quickEmail(e);
            if (p !== null) emails.push(p);
            else bad(r, headers[c]!, 'invalid_email');
          }
          break;
        case 'phone':
          for (const ph of raw.split(/[;\n]/)) {
            const t = ph.trim();
            if (!t) continue;
            const p = quickPhone(t);
            if (p !== null) phones.push(p);
            else bad(r, headers[c]!, 'invalid_phone');
          }
          break;
        case 'title':
          title = raw;
          break;
        case 'accountName':
          accountName = raw;
          break;
        case 'ownerId': {
          // A member by name or id (an unknown one is a bad reference); typed as is without a workspace.
          const owner = memberOfCell(members, raw);
          if ('problem' in owner) bad(r, headers[c]!, owner.problem);
          else if (userRefSchema.safeParse(owner.id).success) ownerId = owner.id;
          else bad(r, headers[c]!, 'too_long');
          break;
        }
        case 'tags':
          tags.push(...splitMulti(raw));
          break;
        case 'notes':
          notes = notes ? `${notes}\n${raw}` : raw;
          break;
        case 'marketingOptIn':
          optIn = truthy(raw);
          break;
        default:
          (address ??= {})[target] = raw;
      }
    }
    if (!name) {
      // Chinese, Japanese and Korean names are written family name first, without a space.
      name = CJK.test(family + given) ? `${family}${given}` : [given, family].filter(Boolean).join(' ');
    }
    if (!name) {
      fail(r, 'name', 'required');
      continue;
    }
    const fields: Record<string, unknown> = {
      name,
      givenName: given || null,
      familyName: family || null,
      title,
      emails: unique(emails),
      phones: unique(phones),
      address,
      tags: unique(tags),
      ownerId,
      notes,
      consent: optIn ? { marketingOptIn: true, recordedAt: now, source } : NO_CONSENT,
    };
    let contact = fitsContact(fields)
      ? { success: true as const, data: fields as z.output<typeof contactCreateSchema> }
      : contactCreateSchema.safeParse(fields);
    // dropInvalidValues: drop each offending optional field in turn (a name that fails stays an error).
    for (let tries = 0; dropInvalid && !contact.success && tries < 12; tries++) {
      const field = String(contact.error.issues[0]?.path[0] ?? '');
      if (!(field in fields) || field === 'name') break;
      warnings.push({ row: r, column: field, code: 'too_long' });
      fields[field] = EMPTY[field] ?? null;
      contact = contactCreateSchema.safeParse(fields);
    }
    if (!contact.success) {
      fail(r, String(contact.error.issues[0]?.path[0] ?? ''), 'too_long');
      continue;
    }
    if (accountName && accountName.length > 200) {
      if (dropInvalid) {
        warnings.push({ row: r, column: 'accountName', code: 'too_long' });
        accountName = null;
      } else {
        fail(r, 'accountName', 'too_long');
        continue;
      }
    }
    if (errorRows.has(r)) continue;
    // De-duplication keys as the existing ones are written: `email:<address>`, `phone:<digits>`.
    const keys: string[] = [];
    if (useEmail) for (const e of contact.data.emails ?? []) keys.push(`email:${e}`);
    if (usePhone) for (const p of contact.data.phones ?? []) keys.push(`phone:${p.replace(/\D/g, '')}`);
    const existingKey = keys.find((k) => existingKeys.has(k));
    const fileKey = existingKey ?? keys.find((k) => seen.has(k));
    if (fileKey !== undefined) {
      duplicates.push({ row: r, of: existingKey !== undefined ? 'existing' : 'file' });
      continue;
    }
    for (const k of keys) seen.add(k);
    if (names) {
      const same = names.find({ name: contact.data.name })[0];
      if (same) {
        const existing = !same.id.startsWith('row:');
        possible.push({
          row: r,
          of: existing ? 'existing' : 'file',
          ...(existing ? { id: same.id, name: same.name } : {}),
        });
      }
      names.add({ id: `row:${r}`, name: contact.data.name, emails: [], phones: [] });
    }
    const candidate: Candidate = { row: r, contact: contact.data, accountName };
    valid++;
    if (sample.length < 20) sample.push(candidate);
    batch.push(candidate);
    if (batch.length === BATCH_ROWS) {
      take(batch, errorRows.size);
      batch = [];
    }
  }
  if (batch.length) take(batch, errorRows.size);
  return {
    headers,
    mapping,
    rows: data.length - 1,
    valid,
    sample,
    errors,
    errorRows,
    warnings,
    duplicates,
    possible,
  };
}
