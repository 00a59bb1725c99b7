import type { z } from 'zod';
import {
  accountCreateSchema,
  activityCreateSchema,
  dealCreateSchema,
  taskCreateSchema,
} from '../../../shared/domain/crm.schemas';
import type { ChannelOutput, ParsedInput } from '../../../shared/ipc/contract';
import type { importRowErrorSchema } from '../../../shared/ipc/channels/import.schemas';
import {
  currencyDigits,
  defaultCurrencyFor,
  parseLocaleAmountMinor,
  parseLocaleDate,
  parseLocaleDateTime,
  parseLocaleNumber,
} from '../../../shared/locale/locale.parse';
import type { CrmService } from './crm.service';
import { duplicateIndex, type DuplicateIndex } from './duplicates.service';
import { nameKey } from './duplicates.keys';
import { quickPhone, splitMulti, unique } from './import.cells';
import { customColumnsOf, customRowPolicy } from './custom-fields.csv';
import { ENTITY_TARGETS } from './import.guesses';
import {
  checkCancelled,
  parseFile,
  unguardCell,
  yieldToLoop,
  type ImportControl,
  type ParsedFile,
} from './import.file';
import { DONE, key, KINDS, Links, PRIORITIES, STATUSES } from './import.links';
import { memberFieldsOf, memberOfCell, type CsvMembers } from './members.csv';

/*
 * Import of accounts, deals, activities and tasks: each row is read and checked here, then becomes
 * one `create` through the change writer (import.records.commit.ts; these files are far smaller than
 * contact lists, which take the bulk path in import.csv.ts). Linked records are found by name
 * (contacts also by e-mail); a deal's, activity's or task's account that does not exist yet is
 * created, like a contact's company.
 */

type RowError = z.infer<typeof importRowErrorSchema>;
export type Entity = 'account' | 'deal' | 'activity' | 'task';
type Input = ParsedInput<'import.preview'>;

interface Row {
  readonly row: number;
  readonly fields: Record<string, unknown>;
  /** Account to link by name (created if missing). */
  readonly accountName: string | null;
  /** Deal stage and pipeline by name, resolved against the live pipelines. */
  readonly values: Record<string, string>;
}

interface Analysis {
  readonly rows: number;
  readonly kept: Row[];
  readonly errors: RowError[];
  readonly errorRows: Set<number>;
  readonly warnings: RowError[];
  readonly possible: { row: number; of: 'existing' | 'file'; id?: string; name?: string }[];
}

/** Reads, checks and de-duplicates (by name, flagged only) every row of an account/deal/activity/task file. */
export async function analyse(
  svc: CrmService,
  file: ParsedFile,
  input: Input,
  control: ImportControl,
  members: CsvMembers,
): Promise<Analysis & { links: Links }> {
  const entity = file.entity as Entity;
  const memberTyped = memberFieldsOf(entity);
  const locale = input.locale ?? 'en';
  const currency = input.currency ?? defaultCurrencyFor(locale);
  const dropInvalid = input.onRowError === 'dropInvalidValues';
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  const errorRows = new Set<number>();
  const kept: Row[] = [];
  const possible: Analysis['possible'] = [];
  const links = new Links(svc, new Set(file.targets));
  const names: DuplicateIndex | null =
    entity === 'account' && input.dedupeBy !== 'none' ? duplicateIndex(svc, 'account') : null;
  const seenNames = new Set<string>();
  for (const e of file.parseErrors) {
    if (typeof e.row === 'number' && e.row > 0) {
      errors.push({ row: e.row, column: '', code: 'parse' });
      errorRows.add(e.row);
    }
  }
  const schema = {
    account: accountCreateSchema,
    deal: dealCreateSchema,
    activity: activityCreateSchema,
    task: taskCreateSchema,
  }[entity];
  // A task's name column is its title.
  const nameField = entity === 'task' ? 'title' : 'name';
  for (let r = 1; r < file.data.length; r++) {
    if (r % 500 === 0) {
      control.progress(r, file.data.length - 1);
      await yieldToLoop();
      checkCancelled(control);
    }
    if (errorRows.has(r)) continue;
    const cells = file.data[r]!;
    const fields: Record<string, unknown> = {};
    const values: Record<string, string> = {};
    let accountName: string | null = null;
    let address: Record<string, string> | null = null;
    // Read once the row's currency is known: its digits scale the amount (JPY 0, KWD 3).
    let amountCell: { raw: string; column: string } | null = null;
    const rowErrors: RowError[] = [];
    const bad = (column: string, code: RowError['code']) => {
      if (dropInvalid) warnings.push({ row: r, column, code });
      else rowErrors.push({ row: r, column, code });
    };
    for (let c = 0; c < file.targets.length; c++) {
      const target = file.targets[c]!;
      const raw = unguardCell((cells[c] ?? '').trim());
      if (target === 'ignore' || !raw) continue;
      const column = file.headers[c]!;
      values[target] = raw;
      if (memberTyped.has(target)) {
        // An owner by name or id; one no member has is an unknown reference, like a missing deal.
        const member = memberOfCell(members, raw);
        if ('id' in member) fields[target] = member.id;
        else bad(column, member.problem);
        continue;
      }
      switch (target) {
        case 'name':
          fields[nameField] = raw;
          break;
        case 'subject':
        case 'outcome':
        case 'domain':
        case 'industry':
          fields[target] = raw;
          break;
        case 'body':
        case 'notes':
          fields.body = typeof fields.body === 'string' && fields.body ? `${fields.body}\n${raw}` : raw;
          break;
        case 'tags':
          fields.tags = unique(splitMulti(raw));
          break;
        case 'phone': {
          const p = quickPhone(raw);
          if (p) fields.phone = p;
          else bad(column, 'invalid_phone');
          break;
        }
        case 'street':
        case 'city':
        case 'region':
        case 'postalCode':
        case 'country':
          (address ??= {})[target] = raw;
          break;
        case 'accountName':
          accountName = raw;
          break;
        case 'amount': {
          amountCell = { raw, column };
          const code = /\b([A-Z]{3})\b/.exec(raw)?.[1];
          if (code && !values.currency) fields.currency = code;
          break;
        }
        case 'currency':
          if (/^[A-Za-z]{3}$/.test(raw)) fields.currency = raw.toUpperCase();
          else bad(column, 'invalid_value');
          break;
        case 'closeDate': {
          const d = parseLocaleDate(raw, locale);
          if (d) fields.expectedCloseDate = d;
          else bad(column, 'invalid_date');
          break;
        }
        case 'probability': {
          const n = parseLocaleNumber(raw.replace('%', ''), locale);
          if (n !== null && n >= 0 && n <= 100) fields.probability = Math.round(n);
          else bad(column, 'invalid_number');
          break;
        }
        case 'status': {
          const s = STATUSES[key(raw)];
          if (s) fields.status = s;
          else bad(column, 'invalid_value');
          break;
        }
        case 'kind': {
          const k = KINDS[key(raw)];
          if (k) fields.kind = k;
          else bad(column, 'invalid_value');
          break;
        }
        case 'occurredAt': {
          const at = parseLocaleDateTime(raw, locale);
          if (at !== null) fields.occurredAt = at;
          else rowErrors.push({ row: r, column, code: 'invalid_date' });
          break;
        }
        case 'dueAt': {
          const at = parseLocaleDateTime(raw, locale);
          if (at !== null) fields.dueAt = at;
          else bad(column, 'invalid_date');
          break;
        }
        case 'priority': {
          const p = PRIORITIES[key(raw)];
          if (p) fields.priority = p;
          else bad(column, 'invalid_value');
          break;
        }
        case 'done': {
          const d = DONE[key(raw)];
          if (d !== undefined) fields.done = d;
          else bad(column, 'invalid_value');
          break;
        }
        case 'durationMinutes': {
          const n = parseLocaleNumber(raw, locale);
          if (n !== null && n >= 0) fields.durationMinutes = Math.round(n);
          else bad(column, 'invalid_number');
          break;
        }
        case 'contactName': {
          // Names may hold commas ("Wang, Fang"): several contacts are separated by ; or new lines.
          const ids = raw
            .split(/[;\n]/)
            .map((t) => t.trim())
            .filter(Boolean)
            .map((t) => links.contact(t));
          if (ids.some((id) => id === null)) bad(column, 'invalid_value');
          const found = unique(ids.filter((id): id is string => id !== null));
          if (entity === 'deal') fields.contactIds = found;
          else if (found[0]) fields.contactId = found[0];
          break;
        }
        case 'dealName': {
          const id = links.deal(raw);
          if (id) fields.dealId = id;
          else bad(column, 'invalid_value');
          break;
        }
        default:
          break;
      }
    }
    if (address) fields.address = address;
    if (amountCell) {
      const digits = currencyDigits(typeof fields.currency === 'string' ? fields.currency : currency);
      const minor = parseLocaleAmountMinor(amountCell.raw, locale, digits);
      if (minor === null) bad(amountCell.column, 'invalid_number');
      else fields.amountMinor = minor;
    }
    if (entity === 'deal') {
      const where = links.stage(values.pipeline, values.stage);
      if (!where)
        rowErrors.push({ row: r, column: values.stage ? 'stage' : 'pipeline', code: 'invalid_value' });
      else Object.assign(fields, where);
      fields.currency ??= currency;
      fields.amountMinor ??= 0;
    }
    if (entity === 'activity') fields.kind ??= 'note';
    if (entity !== 'activity' && !fields[nameField])
      rowErrors.push({ row: r, column: 'name', code: 'required' });
    if (entity === 'activity' && fields.occurredAt === undefined && !rowErrors.length) {
      rowErrors.push({ row: r, column: 'occurredAt', code: 'required' });
    }
    if (accountName && accountName.length > 200) {
      bad('accountName', 'too_long');
      accountName = null;
    }
    if (rowErrors.length === 0) {
      // Placeholder ids stand in for links made at commit time, so the schema sees a complete row.
      const probe: Record<string, unknown> = {
        ...fields,
        ...(accountName ? { accountId: '00000000-0000-7000-8000-000000000000' } : {}),
      };
      let parsed = schema.safeParse(probe);
      for (let tries = 0; dropInvalid && !parsed.success && tries < 8; tries++) {
        const field = String(parsed.error.issues[0]?.path[0] ?? '');
        if (!(field in fields) || field === nameField || field === 'occurredAt' || field === 'kind') break;
        warnings.push({ row: r, column: field, code: 'too_long' });
        delete fields[field];
        delete probe[field];
        parsed = schema.safeParse(probe);
      }
      if (!parsed.success)
        rowErrors.push({ row: r, column: String(parsed.error.issues[0]?.path[0] ?? ''), code: 'too_long' });
    }
    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      errorRows.add(r);
      continue;
    }
    if (entity === 'account' && names && typeof fields.name === 'string') {
      const n = nameKey(fields.name, 'account');
      const same = names.find({ name: fields.name })[0];
      if (same) possible.push({ row: r, of: 'existing', id: same.id, name: same.name });
      else if (n && seenNames.has(n)) possible.push({ row: r, of: 'file' });
      seenNames.add(n);
    }
    kept.push({ row: r, fields, accountName, values });
  }
  return { rows: file.data.length - 1, kept, errors, errorRows, warnings, possible, links };
}

function titleOf(entity: Entity, row: Row): string {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  if (entity === 'activity')
    return text(row.fields.subject) || text(row.values.kind) || text(row.fields.kind);
  return text(entity === 'task' ? row.fields.title : row.fields.name);
}

/** The parsed file of a preview or commit, its custom columns and what their bad cells do to rows. */
export function readRecordFile(svc: CrmService, input: Input) {
  const entity = (input.entity ?? 'contact') as Entity;
  const custom = customColumnsOf(svc, entity, input);
  const policy = customRowPolicy(custom, input.onRowError);
  const file = parseFile(input.csv, entity, custom.mapping);
  return { entity, custom, policy, file };
}

/** Dry run of an account, deal, activity or task import. */
export async function previewRecords(
  svc: CrmService,
  input: Input,
  control: ImportControl,
  members: CsvMembers = null,
): Promise<ChannelOutput<'import.preview'>> {
  const { entity, custom, policy, file } = readRecordFile(svc, input);
  const a = await analyse(svc, file, input, control, members);
  return {
    entity,
    hasName: file.hasName,
    targets: [...ENTITY_TARGETS[entity]],
    customMapping: custom.customMapping,
    customTargets: custom.customTargets,
    headers: file.headers,
    mapping: file.mapping,
    rows: a.rows,
    valid: a.kept.filter((row) => !policy.skip.has(row.row)).length,
    duplicates: [],
    possibleDuplicates: a.possible.slice(0, 1000),
    errors: [...a.errors, ...policy.errors].slice(0, 1000),
    ...(input.onRowError === 'dropInvalidValues'
      ? { warnings: [...a.warnings, ...policy.warnings].slice(0, 1000) }
      : {}),
    sample: a.kept.slice(0, 20).map((row) => ({
      row: row.row,
      name: titleOf(entity, row),
      emails: [],
      phones: typeof row.fields.phone === 'string' ? [row.fields.phone] : [],
      values: row.values,
    })),
  };
}
