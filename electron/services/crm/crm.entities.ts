import type {
  Account,
  Activity,
  Contact,
  Deal,
  EntityKind,
  Pipeline,
  Task,
} from '../../../shared/domain/crm.schemas';
import { entityDefaults } from '../../../shared/domain/crm.schemas';

/** How one API field is stored: its column and SQLite representation. */
export interface FieldDef {
  readonly column: string;
  readonly kind: 'text' | 'int' | 'real' | 'bool' | 'json';
}

/** A keyset-sortable expression; nullable columns are coalesced so (expr, id) is a total order. */
export interface SortDef {
  readonly expr: string;
  readonly kind: 'text' | 'num';
}

export interface FilterDef {
  readonly column: string;
  /** eq: column = ?; tag: JSON array column contains ?; before/after: column < ? / column >= ?. */
  readonly op: 'eq' | 'tag' | 'before' | 'after' | 'bool';
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

/** Everything the generic repository needs to know about one entity. Identifiers here are constants. */
export interface EntityDef<T> {
  readonly kind: EntityKind;
  readonly table: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly sorts: Readonly<Record<string, SortDef>>;
  readonly defaultSort: { readonly field: string; readonly dir: 'asc' | 'desc' };
  readonly filters: Readonly<Record<string, FilterDef>>;
  /** Null for entities that are not searchable. (A method, so defs of any T are interchangeable.) */
  readonly search: { doc(record: T): SearchDoc } | null;
}

const meta = {
  createdAt: { expr: 'created_at', kind: 'num' },
  updatedAt: { expr: 'updated_at', kind: 'num' },
} as const satisfies Record<string, SortDef>;

/** updatedAfter (inclusive) and updatedBefore (exclusive), served by the (updated_at, id) indexes. */
const updatedFilters = {
  updatedAfter: { column: 'updated_at', op: 'after' },
  updatedBefore: { column: 'updated_at', op: 'before' },
} as const satisfies Record<string, FilterDef>;

const t = (column: string): FieldDef => ({ column, kind: 'text' });
const i = (column: string): FieldDef => ({ column, kind: 'int' });
const j = (column: string): FieldDef => ({ column, kind: 'json' });
const b = (column: string): FieldDef => ({ column, kind: 'bool' });

const digitsOf = (phones: readonly (string | null)[]): string =>
  phones
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\D/g, ''))
    .join(' ');

function addressText(address: Account['address']): string {
  if (!address) return '';
  return [address.street, address.city, address.region, address.postalCode, address.country]
    .filter(Boolean)
    .join(' ');
}

export const accountDef: EntityDef<Account> = {
  kind: 'account',
  table: 'crm_accounts',
  fields: {
    name: t('name'),
    domain: t('domain'),
    industry: t('industry'),
    phone: t('phone'),
    address: j('address'),
    ownerId: t('owner_id'),
    tags: j('tags'),
  },
  defaults: entityDefaults.account,
  sorts: { name: { expr: 'name', kind: 'text' }, ...meta },
  defaultSort: { field: 'name', dir: 'asc' },
  filters: {
    ownerId: { column: 'owner_id', op: 'eq' },
    tag: { column: 'tags', op: 'tag' },
    ...updatedFilters,
  },
  search: {
    doc: (a) => ({
      title: a.name,
      body: [a.domain, a.industry, addressText(a.address), a.tags.join(' ')].filter(Boolean).join(' '),
      digits: digitsOf([a.phone]),
      emails: a.domain ?? '',
    }),
  },
};

export const contactDef: EntityDef<Contact> = {
  kind: 'contact',
  table: 'crm_contacts',
  fields: {
    name: t('name'),
    givenName: t('given_name'),
    familyName: t('family_name'),
    title: t('title'),
    accountId: t('account_id'),
    emails: j('emails'),
    phones: j('phones'),
    address: j('address'),
    tags: j('tags'),
    ownerId: t('owner_id'),
    consent: j('consent'),
    notes: t('notes'),
  },
  defaults: entityDefaults.contact,
  sorts: { name: { expr: 'name', kind: 'text' }, ...meta },
  defaultSort: { field: 'name', dir: 'asc' },
  filters: {
    accountId: { column: 'account_id', op: 'eq' },
    ownerId: { column: 'owner_id', op: 'eq' },
    tag: { column: 'tags', op: 'tag' },
    ...updatedFilters,
  },
  search: {
    doc: (c) => ({
      // Given and family names only where the full name does not already hold them ("Ann Lee",
      // "Ann", "Lee"): repeated words would only weigh the name twice and double its index entries.
      title: [c.name, ...[c.givenName, c.familyName].filter((p) => p && !c.name.includes(p))].join(' '),
      body: [c.title, addressText(c.address), c.tags.join(' '), c.notes].filter(Boolean).join(' '),
      digits: digitsOf(c.phones),
      emails: c.emails.join(' '),
    }),
  },
};

export const pipelineDef: EntityDef<Pipeline> = {
  kind: 'pipeline',
  table: 'crm_pipelines',
  fields: { name: t('name'), stages: j('stages') },
  defaults: entityDefaults.pipeline,
  sorts: { name: { expr: 'name', kind: 'text' }, ...meta },
  defaultSort: { field: 'createdAt', dir: 'asc' },
  filters: {},
  search: null,
};

export const dealDef: EntityDef<Deal> = {
  kind: 'deal',
  table: 'crm_deals',
  fields: {
    name: t('name'),
    accountId: t('account_id'),
    contactIds: j('contact_ids'),
    amountMinor: i('amount_minor'),
    currency: t('currency'),
    pipelineId: t('pipeline_id'),
    stageId: t('stage_id'),
    position: { column: 'position', kind: 'real' },
    probability: i('probability'),
    expectedCloseDate: t('expected_close_date'),
    ownerId: t('owner_id'),
    status: t('status'),
    statusReason: t('status_reason'),
  },
  defaults: entityDefaults.deal,
  sorts: {
    name: { expr: 'name', kind: 'text' },
    amountMinor: { expr: 'amount_minor', kind: 'num' },
    expectedCloseDate: { expr: "coalesce(expected_close_date, '')", kind: 'text' },
    position: { expr: 'position', kind: 'num' },
    ...meta,
  },
  defaultSort: { field: 'updatedAt', dir: 'desc' },
  filters: {
    accountId: { column: 'account_id', op: 'eq' },
    pipelineId: { column: 'pipeline_id', op: 'eq' },
    stageId: { column: 'stage_id', op: 'eq' },
    status: { column: 'status', op: 'eq' },
    ownerId: { column: 'owner_id', op: 'eq' },
    // ISO dates (YYYY-MM-DD) compare as text; deals without a date match neither bound.
    expectedCloseAfter: { column: 'expected_close_date', op: 'after' },
    expectedCloseBefore: { column: 'expected_close_date', op: 'before' },
  },
  search: { doc: (d) => ({ title: d.name, body: d.statusReason ?? '', digits: '', emails: '' }) },
};

const links = { accountId: t('account_id'), contactId: t('contact_id'), dealId: t('deal_id') };
const linkFilters = {
  accountId: { column: 'account_id', op: 'eq' },
  contactId: { column: 'contact_id', op: 'eq' },
  dealId: { column: 'deal_id', op: 'eq' },
} as const satisfies Record<string, FilterDef>;

export const activityDef: EntityDef<Activity> = {
  kind: 'activity',
  table: 'crm_activities',
  fields: {
    kind: t('kind'),
    occurredAt: i('occurred_at'),
    durationMinutes: i('duration_minutes'),
    subject: t('subject'),
    outcome: t('outcome'),
    body: t('body'),
    ...links,
  },
  defaults: entityDefaults.activity,
  sorts: { occurredAt: { expr: 'occurred_at', kind: 'num' }, ...meta },
  defaultSort: { field: 'occurredAt', dir: 'desc' },
  filters: {
    ...linkFilters,
    kind: { column: 'kind', op: 'eq' },
    occurredBefore: { column: 'occurred_at', op: 'before' },
    occurredAfter: { column: 'occurred_at', op: 'after' },
  },
  search: {
    doc: (a) => ({
      title: a.subject ?? '',
      body: [a.outcome, a.body].filter(Boolean).join(' '),
      digits: '',
      emails: '',
    }),
  },
};

export const taskDef: EntityDef<Task> = {
  kind: 'task',
  table: 'crm_tasks',
  fields: {
    title: t('title'),
    dueAt: i('due_at'),
    remindAt: i('remind_at'),
    priority: t('priority'),
    done: b('done'),
    assigneeId: t('assignee_id'),
    ...links,
  },
  defaults: entityDefaults.task,
  sorts: { dueAt: { expr: 'coalesce(due_at, 99999999999999)', kind: 'num' }, ...meta },
  defaultSort: { field: 'dueAt', dir: 'asc' },
  filters: {
    ...linkFilters,
    done: { column: 'done', op: 'bool' },
    assigneeId: { column: 'assignee_id', op: 'eq' },
    dueBefore: { column: 'due_at', op: 'before' },
  },
  search: { doc: (x) => ({ title: x.title, body: '', digits: '', emails: '' }) },
};

/** Every entity by kind. */
export const entityDefs = {
  account: accountDef,
  contact: contactDef,
  deal: dealDef,
  pipeline: pipelineDef,
  activity: activityDef,
  task: taskDef,
} as const;

/** The well-known id of the seeded default pipeline: identical on every device, so sync never duplicates it. */
export { DEFAULT_PIPELINE_ID } from '../../../shared/domain/crm.seed';
