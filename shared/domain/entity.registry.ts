import {
  accountFieldsSchema,
  accountSchema,
  activityFieldsSchema,
  activitySchema,
  contactFieldsSchema,
  contactSchema,
  customFieldFieldsSchema,
  customFieldSchema,
  exchangeRateFieldsSchema,
  exchangeRateSchema,
  quotaFieldsSchema,
  quotaSchema,
  memberProfileFieldsSchema,
  memberProfileSchema,
  savedViewFieldsSchema,
  savedViewSchema,
  dealFieldsSchema,
  dealSchema,
  pipelineFieldsSchema,
  pipelineSchema,
  taskFieldsSchema,
  taskSchema,
  type Account,
  type Activity,
  type Contact,
  type CustomField,
  type ExchangeRate,
  type Quota,
  type MemberProfile,
  type SavedView,
  type Deal,
  type EntityKind,
  type Pipeline,
  type Task,
} from './crm.schemas';
import { defineEntity, type EntitySpec, type FilterSpec, type SortSpec } from './entity.spec';

export * from './entity.spec';

const meta = {
  createdAt: { column: 'created_at', kind: 'num' },
  updatedAt: { column: 'updated_at', kind: 'num' },
} as const satisfies Record<string, SortSpec>;

/** A name column's sort: case-insensitive, served by a `(name COLLATE NOCASE, id)` index (crm migration 16). */
const byName = { column: 'name', kind: 'text', collate: 'nocase' } as const satisfies SortSpec;

/** updatedAfter (inclusive) and updatedBefore (exclusive), served by the (updated_at, id) indexes. */
const updatedFilters = {
  updatedAfter: { column: 'updated_at', op: 'after' },
  updatedBefore: { column: 'updated_at', op: 'before' },
} as const satisfies Record<string, FilterSpec>;

const linkFilters = {
  accountId: { column: 'account_id', op: 'eq' },
  contactId: { column: 'contact_id', op: 'eq' },
  dealId: { column: 'deal_id', op: 'eq' },
} as const satisfies Record<string, FilterSpec>;

/** Conditions on the record's custom fields (see `shared/domain/custom-fields.ts`). */
const customFilter = { custom: { column: 'custom', op: 'custom' } } as const satisfies Record<
  string,
  FilterSpec
>;

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

export const accountSpec = defineEntity<Account, typeof accountFieldsSchema>({
  kind: 'account',
  table: 'crm_accounts',
  fieldsSchema: accountFieldsSchema,
  recordSchema: accountSchema,
  sorts: { name: byName, ...meta },
  defaultSort: { field: 'name', dir: 'asc' },
  filters: {
    ownerId: { column: 'owner_id', op: 'eq' },
    ownerIn: { column: 'owner_id', op: 'anyOf' },
    tag: { column: 'tags', op: 'tag' },
    ...updatedFilters,
    ...customFilter,
  },
  search: (a) => ({
    title: a.name,
    body: [a.domain, a.industry, addressText(a.address), a.tags.join(' ')].filter(Boolean).join(' '),
    digits: digitsOf([a.phone]),
    emails: a.domain ?? '',
  }),
});

export const contactSpec = defineEntity<Contact, typeof contactFieldsSchema>({
  kind: 'contact',
  table: 'crm_contacts',
  fieldsSchema: contactFieldsSchema,
  recordSchema: contactSchema,
  sorts: { name: byName, ...meta },
  defaultSort: { field: 'name', dir: 'asc' },
  filters: {
    accountId: { column: 'account_id', op: 'eq' },
    ownerId: { column: 'owner_id', op: 'eq' },
    ownerIn: { column: 'owner_id', op: 'anyOf' },
    tag: { column: 'tags', op: 'tag' },
    ...updatedFilters,
    ...customFilter,
  },
  search: (c) => ({
    // Given and family names only where the full name does not already hold them ("Ann Lee",
    // "Ann", "Lee"): repeated words would only weigh the name twice and double its index entries.
    title: [c.name, ...[c.givenName, c.familyName].filter((p) => p && !c.name.includes(p))].join(' '),
    body: [c.title, addressText(c.address), c.tags.join(' '), c.notes].filter(Boolean).join(' '),
    digits: digitsOf(c.phones),
    emails: c.emails.join(' '),
  }),
});

export const pipelineSpec = defineEntity<Pipeline, typeof pipelineFieldsSchema>({
  kind: 'pipeline',
  table: 'crm_pipelines',
  fieldsSchema: pipelineFieldsSchema,
  recordSchema: pipelineSchema,
  sorts: { name: byName, ...meta },
  defaultSort: { field: 'createdAt', dir: 'asc' },
  filters: {},
  search: null,
});

export const dealSpec = defineEntity<Deal, typeof dealFieldsSchema>({
  kind: 'deal',
  table: 'crm_deals',
  fieldsSchema: dealFieldsSchema,
  recordSchema: dealSchema,
  sorts: {
    name: byName,
    amountMinor: { column: 'amount_minor', kind: 'num' },
    expectedCloseDate: { column: 'expected_close_date', kind: 'text', nulls: '' },
    position: { column: 'position', kind: 'num' },
    ...meta,
  },
  defaultSort: { field: 'updatedAt', dir: 'desc' },
  filters: {
    accountId: { column: 'account_id', op: 'eq' },
    pipelineId: { column: 'pipeline_id', op: 'eq' },
    stageId: { column: 'stage_id', op: 'eq' },
    status: { column: 'status', op: 'eq' },
    ownerId: { column: 'owner_id', op: 'eq' },
    ownerIn: { column: 'owner_id', op: 'anyOf' },
    // ISO dates (YYYY-MM-DD) compare as text; deals without a date match neither bound.
    expectedCloseAfter: { column: 'expected_close_date', op: 'after' },
    expectedCloseBefore: { column: 'expected_close_date', op: 'before' },
    // Minor units (integers), whatever the currency: the board's amount range.
    amountFrom: { column: 'amount_minor', op: 'after' },
    amountBelow: { column: 'amount_minor', op: 'before' },
    ...customFilter,
  },
  search: (d) => ({ title: d.name, body: d.statusReason ?? '', digits: '', emails: '' }),
});

export const activitySpec = defineEntity<Activity, typeof activityFieldsSchema>({
  kind: 'activity',
  table: 'crm_activities',
  fieldsSchema: activityFieldsSchema,
  recordSchema: activitySchema,
  sorts: { occurredAt: { column: 'occurred_at', kind: 'num' }, ...meta },
  defaultSort: { field: 'occurredAt', dir: 'desc' },
  filters: {
    ...linkFilters,
    kind: { column: 'kind', op: 'eq' },
    authorIn: { column: 'created_by', op: 'anyOf' },
    occurredBefore: { column: 'occurred_at', op: 'before' },
    occurredAfter: { column: 'occurred_at', op: 'after' },
  },
  search: (a) => ({
    title: a.subject ?? '',
    body: [a.outcome, a.body].filter(Boolean).join(' '),
    digits: '',
    emails: '',
  }),
});

export const taskSpec = defineEntity<Task, typeof taskFieldsSchema>({
  kind: 'task',
  table: 'crm_tasks',
  fieldsSchema: taskFieldsSchema,
  recordSchema: taskSchema,
  sorts: { dueAt: { column: 'due_at', kind: 'num', nulls: 99999999999999 }, ...meta },
  defaultSort: { field: 'dueAt', dir: 'asc' },
  filters: {
    ...linkFilters,
    done: { column: 'done', op: 'bool' },
    assigneeId: { column: 'assignee_id', op: 'eq' },
    assigneeIn: { column: 'assignee_id', op: 'anyOf' },
    dueBefore: { column: 'due_at', op: 'before' },
    dueAfter: { column: 'due_at', op: 'after' },
    dueAt: { column: 'due_at', op: 'eq' },
  },
  search: (x) => ({ title: x.title, body: '', digits: '', emails: '' }),
});

/** Custom field definitions: workspace data, listed in Settings, never searched. */
export const customFieldEntitySpec = defineEntity<CustomField, typeof customFieldFieldsSchema>({
  kind: 'customField',
  table: 'crm_custom_fields',
  fieldsSchema: customFieldFieldsSchema,
  recordSchema: customFieldSchema,
  sorts: { position: { column: 'position', kind: 'num' }, label: { column: 'label', kind: 'text' }, ...meta },
  defaultSort: { field: 'position', dir: 'asc' },
  filters: {
    entity: { column: 'entity', op: 'eq' },
    archived: { column: 'archived', op: 'bool' },
  },
  search: null,
});

/** Dated exchange rates into a reporting currency (Settings, synced; the dashboard converts with them). */
export const exchangeRateSpec = defineEntity<ExchangeRate, typeof exchangeRateFieldsSchema>({
  kind: 'exchangeRate',
  table: 'crm_exchange_rates',
  fieldsSchema: exchangeRateFieldsSchema,
  recordSchema: exchangeRateSchema,
  sorts: { effectiveFrom: { column: 'effective_from', kind: 'text' }, ...meta },
  defaultSort: { field: 'effectiveFrom', dir: 'desc' },
  filters: {
    base: { column: 'base', op: 'eq' },
    currency: { column: 'currency', op: 'eq' },
    effectiveFrom: { column: 'effective_from', op: 'eq' },
  },
  search: null,
});

/** A member's target for a month (set by managers, synced). */
export const quotaSpec = defineEntity<Quota, typeof quotaFieldsSchema>({
  kind: 'quota',
  table: 'crm_quotas',
  fieldsSchema: quotaFieldsSchema,
  recordSchema: quotaSchema,
  sorts: { month: { column: 'month', kind: 'text' }, ...meta },
  defaultSort: { field: 'month', dir: 'asc' },
  filters: { memberId: { column: 'member_id', op: 'eq' }, month: { column: 'month', op: 'eq' } },
  search: null,
});

/** A member's display name and team (Settings > Members, synced; never searched). */
export const memberProfileSpec = defineEntity<MemberProfile, typeof memberProfileFieldsSchema>({
  kind: 'memberProfile',
  table: 'crm_member_profiles',
  fieldsSchema: memberProfileFieldsSchema,
  recordSchema: memberProfileSchema,
  sorts: { ...meta },
  defaultSort: { field: 'createdAt', dir: 'asc' },
  filters: { memberId: { column: 'member_id', op: 'eq' } },
  search: null,
});

/** A list's saved filters, grouping and columns, shared with the workspace (private ones stay on the device). */
export const savedViewSpec = defineEntity<SavedView, typeof savedViewFieldsSchema>({
  kind: 'savedView',
  table: 'crm_saved_views',
  fieldsSchema: savedViewFieldsSchema,
  recordSchema: savedViewSchema,
  sorts: { name: byName, ...meta },
  defaultSort: { field: 'name', dir: 'asc' },
  filters: { list: { column: 'list', op: 'eq' } },
  search: null,
});

/** The entity registry: every CRM entity kind, derived from its zod schemas. */
export const entityRegistry = {
  account: accountSpec,
  contact: contactSpec,
  deal: dealSpec,
  pipeline: pipelineSpec,
  activity: activitySpec,
  task: taskSpec,
  customField: customFieldEntitySpec,
  exchangeRate: exchangeRateSpec,
  quota: quotaSpec,
  memberProfile: memberProfileSpec,
  savedView: savedViewSpec,
} as const satisfies Record<EntityKind, EntitySpec<never>>;

/** The spec of an entity kind named by untrusted input (a remote op), or null. */
export function entitySpecOf(kind: string): EntitySpec<unknown> | null {
  return Object.hasOwn(entityRegistry, kind) ? entityRegistry[kind as EntityKind] : null;
}

/** The fields whose concurrent changes are kept for review, by entity kind. */
export function conflictFieldsOf(kind: EntityKind): readonly string[] {
  return entityRegistry[kind].conflictFields;
}
