import { z } from 'zod';
import {
  accountCreateSchema,
  accountPatchSchema,
  accountSchema,
  activityCreateSchema,
  activityKindSchema,
  activityPatchSchema,
  activitySchema,
  contactCreateSchema,
  contactPatchSchema,
  contactSchema,
  customFieldCreateSchema,
  customFieldEntitySchema,
  customFieldPatchSchema,
  customFieldSchema,
  currencySchema,
  dateSchema,
  dealCreateSchema,
  dealPatchSchema,
  dealSchema,
  dealStatusSchema,
  entityKindSchema,
  idSchema,
  pipelineCreateSchema,
  pipelinePatchSchema,
  pipelineSchema,
  stageSchema,
  tagsSchema,
  taskCreateSchema,
  taskPatchSchema,
  taskSchema,
  timestampSchema,
  userRefSchema,
} from '../../domain/crm.schemas';
import { customFiltersSchema } from '../../domain/custom-fields';
import {
  duplicatesFindInputSchema,
  duplicatesFindOutputSchema,
  importCommitInputSchema,
  importCommitOutputSchema,
  importInputSchema,
  importPreviewSchema,
  recordsMergeInputSchema,
  recordsMergeOutputSchema,
} from './import.schemas';
import { channel, event, type ChannelDef, type EventDef } from '../define';
import { SEARCH_QUERY_MAX, searchHitSchema } from './search.schemas';
import {
  anyOfFilter,
  byId,
  crud,
  cursorSchema,
  linkFilter,
  skippedSchema,
  updatedFilter,
} from './crud.schemas';

export { crud, cursorSchema, MAX_LIST_OFFSET } from './crud.schemas';

/** What `deals.list` and `deals.sumByStage` filter deals by. */
export const dealFilterSchema = z.strictObject({
  accountId: idSchema.optional(),
  pipelineId: idSchema.optional(),
  stageId: stageSchema.shape.id.optional(),
  status: dealStatusSchema.optional(),
  ownerId: userRefSchema.optional(),
  ownerIn: anyOfFilter,
  /** Expected close date on or after this day (deals without one are left out). */
  expectedCloseAfter: dateSchema.optional(),
  /** Expected close date before this day (deals without one are left out). */
  expectedCloseBefore: dateSchema.optional(),
  /** Amount (minor units, any currency) at least this. */
  amountFrom: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Amount (minor units, any currency) below this. */
  amountBelow: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Conditions on custom fields, all of which must hold. */
  custom: customFiltersSchema.optional(),
});

/** One stage of `deals.sumByStage`: its matching deals' count and their amounts per currency. */
export const stageSumSchema = z.object({
  stageId: stageSchema.shape.id,
  count: z.number().int().nonnegative(),
  sums: z.array(z.object({ currency: currencySchema, amountMinor: z.number() })),
});

export const timelineItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('activity'), at: timestampSchema, activity: activitySchema }),
  z.object({ type: z.literal('task'), at: timestampSchema, task: taskSchema }),
  z.object({
    type: z.literal('change'),
    at: timestampSchema,
    hlc: z.string(),
    deviceId: z.string(),
    /** Names of the fields written by this change. */
    fields: z.array(z.string()),
    /** Each written field's value just before this change and the value it wrote (history: old -> new). */
    changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
  }),
]);

// The import's schemas live in import.schemas.ts (re-exported here for existing importers).
export {
  importInputSchema,
  importPreviewSchema,
  importRowErrorSchema,
  importTargetSchema,
  MAX_IMPORT_BYTES,
  type ImportTarget,
} from './import.schemas';

const exportEntitySchema = z.enum(['account', 'contact', 'deal', 'activity', 'task']);
/**
 * What an activity without a subject is called in an exported calendar, in the user's language
 * (main writes files; the words are the renderer's).
 */
const kindLabel = z.string().min(1).max(50).optional();
const icsLabels = {
  kindLabels: z
    .strictObject({
      call: kindLabel,
      meeting: kindLabel,
      visit: kindLabel,
      email: kindLabel,
      note: kindLabel,
    } satisfies Record<z.infer<typeof activityKindSchema>, unknown>)
    .optional(),
};

const fileSchema = z.object({
  filename: z.string(),
  mimeType: z.string(),
  content: z.string(),
  count: z.number().int(),
});

/** Channels of the crm domain. */
export const crmChannels = {
  ...crud(
    'accounts',
    'an account',
    accountSchema,
    accountCreateSchema,
    accountPatchSchema,
    z.strictObject({
      ownerId: userRefSchema.optional(),
      ownerIn: anyOfFilter,
      tag: tagsSchema.element.optional(),
      ...updatedFilter,
      /** Conditions on custom fields, all of which must hold. */
      custom: customFiltersSchema.optional(),
    }),
    ['name', 'createdAt', 'updatedAt'],
  ),
  ...crud(
    'contacts',
    'a contact',
    contactSchema,
    contactCreateSchema,
    contactPatchSchema,
    z.strictObject({
      accountId: idSchema.optional(),
      ownerId: userRefSchema.optional(),
      ownerIn: anyOfFilter,
      tag: tagsSchema.element.optional(),
      ...updatedFilter,
      /** Conditions on custom fields, all of which must hold. */
      custom: customFiltersSchema.optional(),
    }),
    ['name', 'createdAt', 'updatedAt'],
  ),
  ...crud('deals', 'a deal', dealSchema, dealCreateSchema, dealPatchSchema, dealFilterSchema, [
    'updatedAt',
    'createdAt',
    'name',
    'amountMinor',
    'expectedCloseDate',
    'position',
  ]),
  ...crud(
    'activities',
    'an activity',
    activitySchema,
    activityCreateSchema,
    activityPatchSchema,
    z.strictObject({
      ...linkFilter,
      kind: activityKindSchema.optional(),
      /** Activities written by any of these members (their ids, as `createdBy` holds them). */
      authorIn: anyOfFilter,
      occurredBefore: timestampSchema.optional(),
      occurredAfter: timestampSchema.optional(),
    }),
    ['occurredAt', 'createdAt', 'updatedAt'],
  ),
  ...crud(
    'tasks',
    'a task',
    taskSchema,
    taskCreateSchema,
    taskPatchSchema,
    z.strictObject({
      ...linkFilter,
      done: z.boolean().optional(),
      assigneeId: userRefSchema.optional(),
      assigneeIn: anyOfFilter,
      /** Due before this instant (exclusive); tasks without a due date are left out. */
      dueBefore: timestampSchema.optional(),
      /** Due at or after this instant (inclusive); tasks without a due date are left out. */
      dueAfter: timestampSchema.optional(),
      /** `null`: only the tasks without a due date (Home lists them apart, so none is lost). */
      dueAt: z.null().optional(),
    }),
    ['dueAt', 'createdAt', 'updatedAt'],
  ),
  ...crud(
    'pipelines',
    'a pipeline',
    pipelineSchema,
    pipelineCreateSchema,
    pipelinePatchSchema,
    z.strictObject({}),
    ['createdAt', 'name', 'updatedAt'],
  ),
  ...crud(
    'customFields',
    'a custom field definition',
    customFieldSchema,
    customFieldCreateSchema,
    customFieldPatchSchema,
    z.strictObject({ entity: customFieldEntitySchema.optional(), archived: z.boolean().optional() }),
    ['position', 'label', 'createdAt', 'updatedAt'],
  ),
  'deals.sumByStage': channel(
    z.strictObject({ filter: dealFilterSchema }),
    z.object({ stages: z.array(stageSumSchema) }),
    'Per stage, how many deals match the filter and their amounts summed per currency (one grouped read).',
  ),
  'deals.move': channel(
    z.strictObject({
      id: idSchema,
      stageId: stageSchema.shape.id,
      /** 0-based place among the other deals of the target stage. */
      index: z.number().int().min(0).max(1_000_000),
    }),
    dealSchema,
    'Moves a deal to a stage and a place within it (one position write, no renumbering).',
  ),
  'timeline.get': channel(
    z.strictObject({
      entity: z.enum(['account', 'contact', 'deal']),
      id: idSchema,
      limit: z.number().int().min(1).max(200).optional(),
      cursor: cursorSchema.optional(),
    }),
    z.object({
      items: z.array(timelineItemSchema),
      nextCursor: z.string().nullable(),
      /** Activities and tasks of this page whose stored rows are damaged: left out of `items`. */
      skipped: skippedSchema,
    }),
    'Activities, tasks and changes of one account, contact or deal, newest first.',
  ),
  'search.query': channel(
    z.strictObject({
      q: z.string().max(SEARCH_QUERY_MAX),
      limit: z.number().int().min(1).max(50).optional(),
      entities: z.array(entityKindSchema).max(7).optional(),
    }),
    z.object({
      hits: z.array(searchHitSchema),
      /** Index entries that break the hit schema (damaged): left out of `hits`. */
      skipped: skippedSchema,
    }),
    'One search box across all records: ranked hits with highlighted title and snippet segments.',
  ),
  'import.preview': channel(
    importInputSchema,
    importPreviewSchema,
    'Dry run of a CSV import: mapping, per-row errors and duplicates; writes nothing.',
  ),
  'import.commit': channel(
    importCommitInputSchema,
    importCommitOutputSchema,
    'Imports a CSV of contacts, accounts, deals, activities or tasks in one transaction: all rows or none.',
  ),
  'import.cancel': channel(
    z.strictObject({ importId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
    z.object({ cancelled: z.boolean() }),
    'Stops a running import before it writes anything (false when it is not running or already writing).',
  ),
  'duplicates.find': channel(
    duplicatesFindInputSchema,
    duplicatesFindOutputSchema,
    'Live contacts or accounts that look like the same person or company (normalised name, e-mail, phone).',
  ),
  'records.merge': channel(
    recordsMergeInputSchema,
    recordsMergeOutputSchema,
    'Merges two contacts or accounts field by field through the writer; links move, the other is deleted.',
  ),
  'export.csv': channel(
    z.strictObject({
      entity: exportEntitySchema,
      /** Selected rows: exactly these live records, in this order. */
      ids: z.array(idSchema).max(100_000).optional(),
      /** The list's filter, as `<entity>.list` takes it (checked against that schema): every match. */
      filter: z.record(z.string().max(64), z.unknown()).optional(),
    }),
    fileSchema,
    'CSV that the import reads back: names not ids, one column per e-mail and phone, readable dates; formula cells neutralised.',
  ),
  'export.vcard': channel(
    z.strictObject({ ids: z.array(idSchema).max(100_000).optional() }),
    fileSchema,
    'vCard 4.0 of contacts.',
  ),
  'privacy.exportPerson': channel(
    z.strictObject({ contactId: idSchema }),
    z.object({
      exportedAt: timestampSchema,
      contact: contactSchema,
      account: accountSchema.nullable(),
      deals: z.array(dealSchema),
      activities: z.array(activitySchema),
      tasks: z.array(taskSchema),
      history: z.array(
        z.object({ field: z.string(), value: z.unknown(), hlc: z.string(), deviceId: z.string() }),
      ),
    }),
    'Everything held about one person, as JSON (data subject access).',
  ),
  'privacy.erasePerson': channel(
    z.strictObject({ contactId: idSchema }),
    z.object({ contactId: idSchema, erasedAt: timestampSchema, recordsErased: z.number().int() }),
    "Erases a person's data from records, the search index and op-log values; leaves a tombstone for sync.",
  ),
  'records.restore': channel(
    z.strictObject({ entity: z.enum(['account', 'contact', 'deal', 'activity', 'task']), id: idSchema }),
    z.object({ entity: entityKindSchema, id: idSchema, restoredAt: timestampSchema }),
    'Undoes a delete (a change that syncs like the delete); an erased record cannot be restored.',
  ),
  'agenda.exportIcs': channel(
    z.strictObject({
      from: timestampSchema,
      to: timestampSchema,
      /** The agenda's owner scope, as its lists take it: only these authors' activities... */
      authorIn: anyOfFilter,
      /** ...and only tasks assigned to these (the file holds what the screen shows, no more). */
      assigneeIn: anyOfFilter,
      /** The user's local first day (YYYY-MM-DD), for the file's name. */
      day: dateSchema.optional(),
      ...icsLabels,
    }),
    fileSchema,
    'iCalendar (RFC 5545) of the activities and dated tasks from `from` to `to` (at most 93 days).',
  ),
  'activities.exportIcs': channel(
    byId.extend(icsLabels),
    fileSchema,
    'iCalendar (RFC 5545) of one activity (a meeting or visit) with its attendees.',
  ),
} satisfies Record<string, ChannelDef>;

/** Ids per entity in one `records.changed` event; a larger change says `truncated` (reload what is open). */
export const RECORDS_CHANGED_MAX_IDS = 500;

/** What one committed change touched: the records of one entity kind. */
export const recordsChangedEntrySchema = z.strictObject({
  entity: entityKindSchema,
  /** The records written (at most RECORDS_CHANGED_MAX_IDS; see `truncated`). */
  ids: z.array(idSchema).max(RECORDS_CHANGED_MAX_IDS),
  /** True when more records of this kind changed than `ids` lists. */
  truncated: z.boolean(),
});

/** Push events of the crm domain. */
export const crmEvents = {
  'records.changed': event(
    z.strictObject({
      /** `local`: an edit on this device (any window); `remote`: ops pulled from another device. */
      origin: z.enum(['local', 'remote']),
      // At most one entry per entity kind.
      changes: z.array(recordsChangedEntrySchema).min(1).max(entityKindSchema.options.length),
    }),
    'Records were written (after commit), locally or by sync: open lists and pages refresh from it.',
  ),
  'import.progressed': event(
    z.object({
      importId: z.string(),
      /** Rows written so far (0 while the file is still being checked). */
      done: z.number().int(),
      total: z.number().int(),
      /** Rows checked so far, while the file is analysed before anything is written. */
      analysed: z.number().int().optional(),
    }),
    'Progress of a running CSV import.',
  ),
} satisfies Record<string, EventDef>;
