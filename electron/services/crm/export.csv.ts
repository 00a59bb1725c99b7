import Papa from 'papaparse';
import { customExportColumns } from './custom-fields.csv';
import type { z } from 'zod';
import { pipelineSchema, type Pipeline } from '../../../shared/domain/crm.schemas';
import { AppError } from '../../../shared/errors';
import { minorAsDecimalText } from '../../../shared/locale/locale.parse';
import { channels, type ChannelOutput } from '../../../shared/ipc/contract';
import { accountDef, contactDef, dealDef, entityDefs, pipelineDef, type EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';
import type { ListPage, RecordData } from './records.repository';
import { memberCell, memberFieldsOf, type CsvMembers } from './members.csv';

/*
 * CSV export that the importer reads back: headers are the names its guesses map (import.cells.ts),
 * linked records appear by name, each e-mail and phone gets its own column, dates are readable
 * (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` local time), amounts are plain decimals and owners are
 * members' display names.
 */

type ExportEntity = 'account' | 'contact' | 'deal' | 'activity' | 'task';

/**
 * A cell a spreadsheet would evaluate (starts with = + - @ tab or CR) gets a leading apostrophe, so an
 * exported name like `=HYPERLINK(...)` stays text (OWASP "CSV injection"). The importer removes
 * exactly this apostrophe again (`unguardCell`), so a phone `+49 ...` survives export and import.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time, readable and read back by the importer. */
export function readableDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const addr = (r: RecordData, part: string): string => {
  const a = r.address;
  return typeof a === 'object' && a !== null && part in a ? str((a as Record<string, unknown>)[part]) : '';
};
const when = (v: unknown): string => (typeof v === 'number' ? readableDateTime(v) : '');

/** Resolves ids to names once per export. */
class Names {
  private readonly cache = new Map<string, string>();
  private pipelines: Pipeline[] | null = null;

  constructor(private readonly svc: CrmService) {}

  of(def: EntityDef<unknown>, id: unknown): string {
    if (typeof id !== 'string') return '';
    const key = `${def.kind}:${id}`;
    let name = this.cache.get(key);
    if (name === undefined) {
      const r = this.svc.records.get(def, id);
      name = r ? str(r.name) : '';
      this.cache.set(key, name);
    }
    return name;
  }

  /** A contact as a deal or activity names it: its first e-mail (unique), else its name. */
  contact(id: unknown): string {
    if (typeof id !== 'string') return '';
    const key = `contact-ref:${id}`;
    let name = this.cache.get(key);
    if (name === undefined) {
      const r = this.svc.records.get(contactDef, id);
      name = r ? (list(r.emails)[0] ?? str(r.name)) : '';
      this.cache.set(key, name);
    }
    return name;
  }

  stage(pipelineId: unknown, stageId: unknown): { pipeline: string; stage: string } {
    this.pipelines ??= [...this.svc.records.iterate(pipelineDef, null)].flatMap((r) => {
      const p = pipelineSchema.safeParse(r);
      return p.success ? [p.data] : [];
    });
    const p = this.pipelines.find((x) => x.id === pipelineId);
    return { pipeline: p?.name ?? '', stage: p?.stages.find((s) => s.id === stageId)?.name ?? str(stageId) };
  }
}

interface Column {
  readonly header: string;
  /** The record field the column writes, when it is one field as stored. */
  readonly field?: string;
  readonly cell: (r: RecordData) => string;
}

/** Member-typed columns (per the registry) name the member instead of writing their id. */
function namingMembers(entity: ExportEntity, columns: readonly Column[], members: CsvMembers): Column[] {
  const memberTyped = memberFieldsOf(entity);
  return columns.map((c) =>
    c.field !== undefined && memberTyped.has(c.field)
      ? { ...c, cell: (r: RecordData) => memberCell(members, c.cell(r)) }
      : c,
  );
}

function numbered(header: string, count: number, values: (r: RecordData) => string[]): Column[] {
  return Array.from({ length: Math.max(1, count) }, (_, i) => ({
    header: `${header} ${i + 1}`,
    cell: (r: RecordData) => values(r)[i] ?? '',
  }));
}

const ADDRESS: Column[] = [
  { header: 'Street', cell: (r) => addr(r, 'street') },
  { header: 'City', cell: (r) => addr(r, 'city') },
  { header: 'Region', cell: (r) => addr(r, 'region') },
  { header: 'Postal code', cell: (r) => addr(r, 'postalCode') },
  { header: 'Country', cell: (r) => addr(r, 'country') },
];
const STAMPS: Column[] = [
  { header: 'Created', cell: (r) => when(r.createdAt) },
  { header: 'Updated', cell: (r) => when(r.updatedAt) },
];

function columnsFor(entity: ExportEntity, records: readonly RecordData[], names: Names): Column[] {
  const most = (field: string) => records.reduce((n, r) => Math.max(n, list(r[field]).length), 0);
  switch (entity) {
    case 'contact':
      return [
        { header: 'Name', cell: (r) => str(r.name) },
        { header: 'First name', cell: (r) => str(r.givenName) },
        { header: 'Last name', cell: (r) => str(r.familyName) },
        { header: 'Job title', cell: (r) => str(r.title) },
        { header: 'Company', cell: (r) => names.of(accountDef, r.accountId) },
        ...numbered('Email', most('emails'), (r) => list(r.emails)),
        ...numbered('Phone', most('phones'), (r) => list(r.phones)),
        ...ADDRESS,
        { header: 'Tags', cell: (r) => list(r.tags).join('; ') },
        { header: 'Owner', field: 'ownerId', cell: (r) => str(r.ownerId) },
        { header: 'Notes', cell: (r) => str(r.notes) },
        {
          header: 'Marketing opt-in',
          cell: (r) => {
            const c = r.consent as { marketingOptIn?: unknown } | null | undefined;
            return c?.marketingOptIn === true ? 'Yes' : 'No';
          },
        },
        ...STAMPS,
      ];
    case 'account':
      return [
        { header: 'Name', cell: (r) => str(r.name) },
        { header: 'Domain', cell: (r) => str(r.domain) },
        { header: 'Industry', cell: (r) => str(r.industry) },
        { header: 'Phone', cell: (r) => str(r.phone) },
        ...ADDRESS,
        { header: 'Tags', cell: (r) => list(r.tags).join('; ') },
        { header: 'Owner', field: 'ownerId', cell: (r) => str(r.ownerId) },
        ...STAMPS,
      ];
    case 'deal':
      return [
        { header: 'Name', cell: (r) => str(r.name) },
        { header: 'Company', cell: (r) => names.of(accountDef, r.accountId) },
        {
          header: 'Contacts',
          cell: (r) =>
            list(r.contactIds)
              .map((id) => names.contact(id))
              .join('; '),
        },
        {
          header: 'Amount',
          // In the deal's own currency's digits: JPY 250000, not 2500.00.
          cell: (r) =>
            typeof r.amountMinor === 'number'
              ? minorAsDecimalText(r.amountMinor, typeof r.currency === 'string' ? r.currency : 'EUR')
              : '',
        },
        { header: 'Currency', cell: (r) => str(r.currency) },
        { header: 'Pipeline', cell: (r) => names.stage(r.pipelineId, r.stageId).pipeline },
        { header: 'Stage', cell: (r) => names.stage(r.pipelineId, r.stageId).stage },
        { header: 'Close date', cell: (r) => str(r.expectedCloseDate) },
        { header: 'Probability', cell: (r) => str(r.probability) },
        { header: 'Status', cell: (r) => str(r.status) },
        { header: 'Owner', field: 'ownerId', cell: (r) => str(r.ownerId) },
        ...STAMPS,
      ];
    case 'activity':
      return [
        { header: 'Type', cell: (r) => str(r.kind) },
        { header: 'Date', cell: (r) => when(r.occurredAt) },
        { header: 'Duration (minutes)', cell: (r) => str(r.durationMinutes) },
        { header: 'Subject', cell: (r) => str(r.subject) },
        { header: 'Outcome', cell: (r) => str(r.outcome) },
        { header: 'Notes', cell: (r) => str(r.body) },
        { header: 'Company', cell: (r) => names.of(accountDef, r.accountId) },
        { header: 'Contact', cell: (r) => names.contact(r.contactId) },
        { header: 'Deal', cell: (r) => names.of(dealDef, r.dealId) },
        ...STAMPS,
      ];
    case 'task':
      return [
        { header: 'Title', cell: (r) => str(r.title) },
        { header: 'Due', cell: (r) => when(r.dueAt) },
        { header: 'Priority', cell: (r) => str(r.priority) },
        { header: 'Done', cell: (r) => (r.done === true ? 'Yes' : 'No') },
        { header: 'Assignee', field: 'assigneeId', cell: (r) => str(r.assigneeId) },
        { header: 'Company', cell: (r) => names.of(accountDef, r.accountId) },
        { header: 'Contact', cell: (r) => names.contact(r.contactId) },
        { header: 'Deal', cell: (r) => names.of(dealDef, r.dealId) },
        ...STAMPS,
      ];
  }
}

const LIST_CHANNEL = {
  account: 'accounts.list',
  contact: 'contacts.list',
  deal: 'deals.list',
  activity: 'activities.list',
  task: 'tasks.list',
} as const;

const MAX_EXPORT = 100_000;

/** The live records to export: the selected ids, else the list filter's matches, else all. */
function recordsOf(
  svc: CrmService,
  entity: ExportEntity,
  ids: readonly string[] | null,
  filter: Readonly<Record<string, unknown>> | null,
): RecordData[] {
  const def: EntityDef<unknown> = entityDefs[entity];
  if (ids || !filter) return [...svc.records.iterate(def, ids)];
  // The filter is checked by the list channel's own schema, so export and list agree on it.
  const schema: z.ZodType = channels[LIST_CHANNEL[entity]].input;
  const parsed = schema.safeParse({ filter });
  if (!parsed.success) throw new AppError('VALIDATION', 'The list filter is not valid');
  const checked = (parsed.data as { filter?: Record<string, unknown> } | undefined)?.filter ?? {};
  const out: RecordData[] = [];
  let cursor: string | null = null;
  do {
    const page: ListPage = svc.list(def, { filter: checked, limit: 200, cursor, count: false });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < MAX_EXPORT);
  return out.slice(0, MAX_EXPORT);
}

/**
 * CSV (UTF-8 with BOM, CRLF, every cell quoted) of live records of one entity; member-typed fields
 * by the member's display name when `members` are known.
 */
export function exportCsv(
  svc: CrmService,
  entity: ExportEntity,
  ids: readonly string[] | null,
  filter: Readonly<Record<string, unknown>> | null = null,
  members: CsvMembers = null,
): ChannelOutput<'export.csv'> {
  const records = recordsOf(svc, entity, ids, filter);
  const builtIn = namingMembers(entity, columnsFor(entity, records, new Names(svc)), members);
  // One column per custom field of the entity (the import maps them back by header).
  const columns = [
    ...builtIn,
    ...customExportColumns(
      svc,
      entity,
      builtIn.map((c) => c.header),
    ),
  ];
  const rows = records.map((r) => columns.map((c) => neutraliseCell(c.cell(r))));
  const csv = Papa.unparse(
    { fields: columns.map((c) => c.header), data: rows },
    { quotes: true, newline: '\r\n' },
  );
  return {
    filename: `${entity === 'activity' ? 'activities' : `${entity}s`}.csv`,
    mimeType: 'text/csv',
    content: '\ufeff' + csv + '\r\n',
    count: rows.length,
  };
}
