import { z } from 'zod';
import { field } from './field.meta';
import { UUID_PATTERN } from './ids';

/** Record ids are UUIDs (UUIDv7 when made here), lower-case canonical text. */
export const idSchema = z.string().regex(UUID_PATTERN);
/** Unix epoch milliseconds (years 1970..2999). */
export const timestampSchema = z.number().int().min(0).max(32_503_680_000_000);
/** A calendar date, YYYY-MM-DD. */
export const dateSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);

const text = (max: number) => z.string().trim().max(max);
const requiredText = (max: number) => z.string().trim().min(1).max(max);
const optText = (max: number) => text(max).nullable();

export const tagsSchema = z.array(requiredText(50)).max(50);
export const userRefSchema = requiredText(100);

export const addressSchema = z.strictObject({
  street: text(200).optional(),
  city: text(100).optional(),
  region: text(100).optional(),
  postalCode: text(20).optional(),
  country: text(100).optional(),
});
export type Address = z.infer<typeof addressSchema>;

/** What `emailSchema` accepts once trimmed (at most 254 characters). */
export const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]{2,}$/;
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .regex(EMAIL_PATTERN)
  .transform((s) => s.toLowerCase());
/** What `phoneSchema` accepts once trimmed (at most 40 characters, at least 3 digits). */
export const PHONE_PATTERN = /^\+?[\d\s().\-/]*\d[\d\s().\-/]*$/;
/** A phone number as typed: at least 3 digits, only phone punctuation. */
export const phoneSchema = z
  .string()
  .trim()
  .max(40)
  .regex(PHONE_PATTERN)
  .refine((s) => s.replace(/\D/g, '').length >= 3);

export const consentSchema = z.strictObject({
  marketingOptIn: z.boolean(),
  /** When the opt-in (or opt-out) was recorded. */
  recordedAt: timestampSchema.nullable(),
  /** Where it came from: a form, an import, a conversation. */
  source: optText(200),
});
export type Consent = z.infer<typeof consentSchema>;

/** Who and when, on every record. `createdBy`/`updatedBy` are device ids until users exist. */
export const recordMetaSchema = z.object({
  id: idSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  createdBy: z.string(),
  updatedBy: z.string(),
  /** Set when deleted (a tombstone); null while live. */
  deletedAt: timestampSchema.nullable(),
});

// ---- Custom fields --------------------------------------------------------------------------------
/** The entities a workspace can add its own fields to. */
export const customFieldEntitySchema = z.enum(['account', 'contact', 'deal']);
export type CustomFieldEntity = z.infer<typeof customFieldEntitySchema>;
/** What a custom field holds (fixed when the field is created: values never change kind). */
export const customFieldKindSchema = z.enum([
  'text',
  'number',
  'money',
  'date',
  'select',
  'multiSelect',
  'checkbox',
]);
export type CustomFieldKind = z.infer<typeof customFieldKindSchema>;
/** A select option's id: what values store, so renaming an option never touches a record. */
export const customOptionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);
export const customOptionSchema = z.strictObject({
  id: customOptionIdSchema,
  label: requiredText(100),
  /** Archived options keep their values readable but are not offered for new ones. */
  archived: z.boolean(),
});
export type CustomOption = z.infer<typeof customOptionSchema>;
/** One stored custom value (its shape is checked against the field's kind by `customFieldSpecOf`). */
export const customValueSchema = z.union([
  z.string().max(2000),
  z.number().finite(),
  z.boolean(),
  z.array(customOptionIdSchema).max(50),
]);
/** At most this many custom fields per workspace (all entities, archived ones included). */
export const MAX_CUSTOM_FIELDS = 200;
/**
 * A record's custom values by field id. In a create or patch, null clears a value; stored records
 * hold no nulls (the writer folds the per-field `cf:<id>` ops into this object).
 */
export const customValuesSchema = z
  .record(idSchema, customValueSchema.nullable())
  .refine((v) => Object.keys(v).length <= MAX_CUSTOM_FIELDS, 'Too many custom values');
/**
 * Custom values as stored records carry them: no count cap (other devices may define more fields
 * than this one lets a user create), so a record is never taken for damaged because of them.
 */
const storedCustomValuesSchema = z.record(idSchema, customValueSchema);
/** The `custom` field of accounts, contacts and deals: composed from per-field ops, never written whole. */
function customValuesField() {
  return field(customValuesSchema, { storage: 'json', default: {} });
}

// ---- Accounts -------------------------------------------------------------------------------------
export const accountFieldsSchema = z.strictObject({
  name: field(requiredText(200), {
    storage: 'text',
    input: 'text',
    listColumn: { width: 'minmax(180px, 2fr)', sortable: true },
  }),
  domain: field(optText(253), { storage: 'text', default: null, input: 'optText' }),
  industry: field(optText(100), {
    storage: 'text',
    default: null,
    input: 'optText',
    listColumn: { width: '1fr' },
  }),
  phone: field(phoneSchema.nullable(), {
    storage: 'text',
    default: null,
    input: 'optText',
    element: 'phone',
  }),
  address: field(addressSchema.nullable(), { storage: 'json', default: null }),
  ownerId: field(userRefSchema.nullable(), {
    storage: 'text',
    default: null,
    input: 'member',
    listColumn: { width: '140px', show: 'member' },
  }),
  tags: field(tagsSchema, {
    storage: 'json',
    default: [],
    input: 'list',
    element: 'tag',
    listColumn: { width: '1fr', show: 'join' },
  }),
  custom: customValuesField(),
});
export const accountSchema = recordMetaSchema
  .extend(accountFieldsSchema.shape)
  .extend({ custom: storedCustomValuesSchema });
export type Account = z.infer<typeof accountSchema>;

// ---- Contacts -------------------------------------------------------------------------------------
export const contactFieldsSchema = z.strictObject({
  /** The full name as the person writes it (张伟, María José García): never split automatically. */
  name: field(requiredText(200), {
    storage: 'text',
    input: 'text',
    listColumn: { width: 'minmax(160px, 2fr)', sortable: true },
  }),
  givenName: field(optText(100), { storage: 'text', default: null }),
  familyName: field(optText(100), { storage: 'text', default: null }),
  title: field(optText(200), {
    storage: 'text',
    default: null,
    input: 'optText',
    listColumn: { width: '1fr' },
  }),
  accountId: field(idSchema.nullable(), { storage: 'text', default: null, ref: 'account' }),
  emails: field(z.array(emailSchema).max(20), {
    storage: 'json',
    default: [],
    input: 'list',
    element: 'email',
    listColumn: { width: '1.4fr', show: 'first' },
  }),
  phones: field(z.array(phoneSchema).max(20), {
    storage: 'json',
    default: [],
    input: 'list',
    element: 'phone',
    listColumn: { width: '1fr', show: 'first' },
  }),
  address: field(addressSchema.nullable(), { storage: 'json', default: null }),
  ownerId: field(userRefSchema.nullable(), { storage: 'text', default: null, input: 'member' }),
  tags: field(tagsSchema, { storage: 'json', default: [], input: 'list', element: 'tag' }),
  consent: field(consentSchema, {
    storage: 'json',
    default: { marketingOptIn: false, recordedAt: null, source: null },
  }),
  notes: field(text(20_000), { storage: 'text', default: '', input: 'textarea' }),
  custom: customValuesField(),
});
// An erased contact keeps its tombstone with an empty name, so stored records allow an empty name.
export const contactSchema = recordMetaSchema
  .extend(contactFieldsSchema.shape)
  .extend({ name: text(200), custom: storedCustomValuesSchema });
export type Contact = z.infer<typeof contactSchema>;

// ---- Pipelines ------------------------------------------------------------------------------------
export const stageSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  name: requiredText(100),
  /** Default win probability for deals in this stage, percent. */
  probability: z.number().int().min(0).max(100),
});
export type Stage = z.infer<typeof stageSchema>;
export const stagesSchema = z
  .array(stageSchema)
  .min(1)
  .max(30)
  .refine((stages) => new Set(stages.map((s) => s.id)).size === stages.length, 'Stage ids must be unique');
export const pipelineFieldsSchema = z.strictObject({
  name: field(requiredText(100), { storage: 'text' }),
  /** In display order. */
  stages: field(stagesSchema, { storage: 'json' }),
  /** The reasons a lost deal of this pipeline can give (empty: the app's built-in list). */
  lostReasons: field(z.array(requiredText(100)).max(30), { storage: 'json', default: [] }),
});
export const pipelineSchema = recordMetaSchema.extend(pipelineFieldsSchema.shape);
export type Pipeline = z.infer<typeof pipelineSchema>;

// ---- Deals ----------------------------------------------------------------------------------------
export const currencySchema = z.string().regex(/^[A-Z]{3}$/);
export const dealStatusSchema = z.enum(['open', 'won', 'lost']);
/** What a contact is to a deal. */
export const dealContactRoleSchema = z.enum([
  'decisionMaker',
  'champion',
  'influencer',
  'technical',
  'user',
  'purchasing',
  'other',
]);
export const dealFieldsSchema = z.strictObject({
  name: field(requiredText(200), {
    storage: 'text',
    input: 'text',
    listColumn: { width: 'minmax(160px, 2fr)', sortable: true },
  }),
  accountId: field(idSchema.nullable(), { storage: 'text', default: null, ref: 'account' }),
  contactIds: field(z.array(idSchema).max(50), { storage: 'json', default: [] }),
  /** Integer minor units (cents, fen): money is never a float. */
  amountMinor: field(z.number().int().min(-1e15).max(1e15), {
    storage: 'int',
    default: 0,
    input: 'money',
    conflict: true,
    listColumn: { width: '130px', sortable: true, show: 'money' },
  }),
  currency: field(currencySchema, { storage: 'text', default: 'EUR', input: 'text' }),
  pipelineId: field(idSchema, { storage: 'text', ref: 'pipeline' }),
  stageId: field(stageSchema.shape.id, {
    storage: 'text',
    conflict: true,
    listColumn: { width: '1fr', show: 'stage' },
  }),
  /** Order within the stage (fractional, so a move writes one field). */
  position: field(z.number().finite(), { storage: 'real', default: 0 }),
  probability: field(z.number().int().min(0).max(100).nullable(), {
    storage: 'int',
    default: null,
    input: 'int',
  }),
  expectedCloseDate: field(dateSchema.nullable(), {
    storage: 'text',
    default: null,
    input: 'date',
    conflict: true,
    listColumn: { width: '160px', sortable: true, show: 'date' },
  }),
  ownerId: field(userRefSchema.nullable(), {
    storage: 'text',
    default: null,
    input: 'member',
    conflict: true,
    listColumn: { width: '140px', show: 'member' },
  }),
  status: field(dealStatusSchema, {
    storage: 'text',
    default: 'open',
    listColumn: { width: '100px', show: 'status' },
  }),
  /** Why it was won or lost. */
  statusReason: field(optText(500), { storage: 'text', default: null }),
  /** The part each of `contactIds` plays in the deal (contacts without an entry: no role given). */
  contactRoles: field(z.record(idSchema, dealContactRoleSchema), { storage: 'json', default: {} }),
  /** When the deal last entered its stage (set by main whenever `stageId` changes): age in stage. */
  stageChangedAt: field(timestampSchema.nullable(), { storage: 'int', default: null }),
  custom: customValuesField(),
});
export const dealSchema = recordMetaSchema
  .extend(dealFieldsSchema.shape)
  .extend({ custom: storedCustomValuesSchema });
export type Deal = z.infer<typeof dealSchema>;

// ---- Activities -----------------------------------------------------------------------------------
export const activityKindSchema = z.enum(['call', 'meeting', 'visit', 'email', 'note']);
export const linkFieldsSchema = z.strictObject({
  accountId: field(idSchema.nullable(), { storage: 'text', default: null, ref: 'account' }),
  contactId: field(idSchema.nullable(), { storage: 'text', default: null, ref: 'contact' }),
  dealId: field(idSchema.nullable(), { storage: 'text', default: null, ref: 'deal' }),
});
export const activityFieldsSchema = z.strictObject({
  kind: field(activityKindSchema, { storage: 'text' }),
  occurredAt: field(timestampSchema, { storage: 'int' }),
  durationMinutes: field(z.number().int().min(0).max(100_000).nullable(), { storage: 'int', default: null }),
  subject: field(optText(300), { storage: 'text', default: null }),
  outcome: field(optText(500), { storage: 'text', default: null }),
  body: field(text(20_000), { storage: 'text', default: '' }),
  ...linkFieldsSchema.shape,
  /** Contacts who take part (a meeting's or visit's attendees). */
  attendeeIds: field(z.array(idSchema).max(50), { storage: 'json', default: [] }),
});
export const activitySchema = recordMetaSchema.extend(activityFieldsSchema.shape);
export type Activity = z.infer<typeof activitySchema>;

// ---- Tasks ----------------------------------------------------------------------------------------
export const taskPrioritySchema = z.enum(['low', 'normal', 'high']);
export const taskFieldsSchema = z.strictObject({
  title: field(requiredText(300), { storage: 'text' }),
  dueAt: field(timestampSchema.nullable(), { storage: 'int', default: null }),
  remindAt: field(timestampSchema.nullable(), { storage: 'int', default: null }),
  priority: field(taskPrioritySchema, { storage: 'text', default: 'normal' }),
  done: field(z.boolean(), { storage: 'bool', default: false }),
  assigneeId: field(userRefSchema.nullable(), { storage: 'text', default: null, input: 'member' }),
  ...linkFieldsSchema.shape,
});
// Erased tasks keep an empty title (see contactSchema).
export const taskSchema = recordMetaSchema.extend(taskFieldsSchema.shape).extend({ title: text(300) });
export type Task = z.infer<typeof taskSchema>;

// ---- Custom field definitions (workspace data, synced like records) ---------------------------------
export const customFieldFieldsSchema = z.strictObject({
  /** The entity whose records carry the field (fixed at creation). */
  entity: field(customFieldEntitySchema, { storage: 'text' }),
  /** The kind of value (fixed at creation). */
  kind: field(customFieldKindSchema, { storage: 'text' }),
  label: field(requiredText(100), { storage: 'text' }),
  /** Select and multi-select choices, in display order. */
  options: field(
    z
      .array(customOptionSchema)
      .max(100)
      .refine((o) => new Set(o.map((x) => x.id)).size === o.length, 'Option ids must be unique'),
    { storage: 'json', default: [] },
  ),
  /** Money fields: the currency their minor units are in. */
  currency: field(currencySchema.nullable(), { storage: 'text', default: null }),
  /** Display order among the entity's fields (fractional, so a move writes one field). */
  position: field(z.number().finite(), { storage: 'real', default: 0 }),
  /** Archived fields keep their values but leave forms, columns and filters. */
  archived: field(z.boolean(), { storage: 'bool', default: false }),
});
export const customFieldSchema = recordMetaSchema.extend(customFieldFieldsSchema.shape);
export type CustomField = z.infer<typeof customFieldSchema>;

// ---- Reporting: dated exchange rates and quotas (workspace data, synced like records) -------------
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
export const exchangeRateFieldsSchema = z.strictObject({
  /** The reporting currency the rate converts into. */
  base: field(currencySchema, { storage: 'text', input: 'text', listColumn: { width: '100px' } }),
  currency: field(currencySchema, { storage: 'text', input: 'text', listColumn: { width: '100px' } }),
  /** The first day the rate applies (until a newer rate of the same pair). */
  effectiveFrom: field(dateSchema, {
    storage: 'text',
    input: 'date',
    listColumn: { width: '140px', show: 'date' },
  }),
  /** Units of `base` for one unit of `currency`. */
  perUnit: field(z.number().positive().max(1e9), {
    storage: 'real',
    conflict: true,
    listColumn: { width: '120px' },
  }),
});
export const exchangeRateSchema = recordMetaSchema.extend(exchangeRateFieldsSchema.shape);
export type ExchangeRate = z.infer<typeof exchangeRateSchema>;
export const quotaFieldsSchema = z.strictObject({
  /** Whose target it is: the same owner reference deals carry. */
  memberId: field(userRefSchema, {
    storage: 'text',
    input: 'member',
    listColumn: { width: '1fr', show: 'member' },
  }),
  month: field(monthSchema, { storage: 'text', input: 'text', listColumn: { width: '100px' } }),
  /** Integer minor units of `currency`. */
  amountMinor: field(z.number().int().min(0).max(1e15), {
    storage: 'int',
    input: 'money',
    conflict: true,
    listColumn: { width: '130px', show: 'money' },
  }),
  currency: field(currencySchema, { storage: 'text', input: 'text' }),
});
export const quotaSchema = recordMetaSchema.extend(quotaFieldsSchema.shape);
export type Quota = z.infer<typeof quotaSchema>;

// ---- People: what the workspace calls its members (issue 15) ------------------------------------
/**
 * A member's id as owner fields carry it: the CRM clock id of the member's device (the id every op
 * of that device carries, which the signed membership log binds to the device's keys). A solo vault
 * has it too, so records owned before a workspace existed stay owned by the same member after.
 */
export const memberIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/**
 * The display name and team of one member, synced end-to-end encrypted like any record. Its id is
 * derived from the member id (`memberProfileId`), so two devices that name the same member write
 * the same record and merge field by field instead of making two profiles.
 */
export const memberProfileFieldsSchema = z.strictObject({
  memberId: field(memberIdSchema, { storage: 'text' }),
  /** What people call the member ("Li Wei"); null: the device name from the membership log. */
  displayName: field(optText(100), { storage: 'text', default: null, conflict: true }),
  /** The member's team, by name (members with the same name, compared case-insensitively, are a team). */
  team: field(optText(100), { storage: 'text', default: null }),
});
export const memberProfileSchema = recordMetaSchema.extend(memberProfileFieldsSchema.shape);
export type MemberProfile = z.infer<typeof memberProfileSchema>;
// ---- Saved views (a list's filters, grouping and columns under a name; synced when shared) --------
/** The lists a view can be saved from. */
export const savedViewListSchema = z.enum(['account', 'contact', 'deal', 'activity', 'task']);
export type SavedViewList = z.infer<typeof savedViewListSchema>;
/** A list field name (a sort, filter, group or column key): identifiers only. */
const listKeySchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_:-]{0,80}$/);
/** A JSON value of a saved custom filter (checked against the custom filter schema when applied). */
const viewJsonSchema = z.union([z.string().max(2000), z.number().finite(), z.boolean(), z.null()]);
/** What a view reopens: the list's sort, its filters and its custom field conditions. */
export const savedViewQuerySchema = z.strictObject({
  sort: z.strictObject({ field: listKeySchema, dir: z.enum(['asc', 'desc']) }),
  filter: z.record(listKeySchema, z.string().max(500)).refine((f) => Object.keys(f).length <= 30),
  custom: z
    .array(z.record(listKeySchema, z.union([viewJsonSchema, z.array(viewJsonSchema).max(50)])))
    .max(10)
    .optional(),
});
export type SavedViewQuery = z.infer<typeof savedViewQuerySchema>;
export const savedViewFieldsSchema = z.strictObject({
  name: field(requiredText(100), { storage: 'text', input: 'text', listColumn: { width: '1fr' } }),
  /** The list the view belongs to (fixed at creation). */
  list: field(savedViewListSchema, { storage: 'text' }),
  query: field(savedViewQuerySchema, { storage: 'json', conflict: true }),
  /** The field rows are grouped by (owner, stage, status, account...); null: not grouped. */
  groupBy: field(listKeySchema.nullable(), { storage: 'text', default: null }),
  /** Shown column keys in order; empty: the list's default columns. */
  columns: field(z.array(listKeySchema).max(60), { storage: 'json', default: [] }),
});
export const savedViewSchema = recordMetaSchema.extend(savedViewFieldsSchema.shape);
export type SavedView = z.infer<typeof savedViewSchema>;

/** The record kinds of the CRM. */
export const entityKindSchema = z.enum([
  'account',
  'contact',
  'deal',
  'pipeline',
  'activity',
  'task',
  'customField',
  'exchangeRate',
  'quota',
  'memberProfile',
  'savedView',
]);
export type EntityKind = z.infer<typeof entityKindSchema>;

/** The field schemas by entity, without defaults (for patches and for validating remote ops). */
export const entityFieldSchemas = {
  account: accountFieldsSchema,
  contact: contactFieldsSchema,
  deal: dealFieldsSchema,
  pipeline: pipelineFieldsSchema,
  activity: activityFieldsSchema,
  task: taskFieldsSchema,
  customField: customFieldFieldsSchema,
  exchangeRate: exchangeRateFieldsSchema,
  quota: quotaFieldsSchema,
  memberProfile: memberProfileFieldsSchema,
  savedView: savedViewFieldsSchema,
} as const;

/** A field-level change, as captured in the op log and carried by sync. */
export const fieldOpSchema = z.object({
  /** `<mutation UUIDv7>/<field>`. */
  opId: z.string().min(1).max(120),
  entity: entityKindSchema,
  recordId: idSchema,
  field: z.string().min(1).max(64),
  /** The new value as JSON (null for erased payloads). */
  value: z.unknown(),
  hlc: z.string(),
  deviceId: z.string(),
});
export type FieldOp = z.infer<typeof fieldOpSchema>;

/** Create inputs: required fields must be present, the rest fall back to their registered defaults. */
export const accountCreateSchema = accountFieldsSchema.partial().required({ name: true });
export const contactCreateSchema = contactFieldsSchema.partial().required({ name: true });
export const pipelineCreateSchema = pipelineFieldsSchema.partial().required({ name: true, stages: true });
export const dealCreateSchema = dealFieldsSchema
  .partial()
  .required({ name: true, pipelineId: true, stageId: true });
export const activityCreateSchema = activityFieldsSchema.partial().required({ kind: true, occurredAt: true });
export const taskCreateSchema = taskFieldsSchema.partial().required({ title: true });
export const customFieldCreateSchema = customFieldFieldsSchema
  .partial()
  .required({ entity: true, kind: true, label: true });

/** Patches: any subset of the fields; absent means unchanged, null clears a nullable field. */
export const accountPatchSchema = accountFieldsSchema.partial();
export const contactPatchSchema = contactFieldsSchema.partial();
export const pipelinePatchSchema = pipelineFieldsSchema.partial();
export const dealPatchSchema = dealFieldsSchema.partial();
export const activityPatchSchema = activityFieldsSchema.partial();
export const taskPatchSchema = taskFieldsSchema.partial();
/** A field's entity and kind never change (its values would no longer fit). */
export const customFieldPatchSchema = customFieldFieldsSchema.omit({ entity: true, kind: true }).partial();
export const exchangeRateCreateSchema = exchangeRateFieldsSchema;
export const exchangeRatePatchSchema = exchangeRateFieldsSchema.partial();
export const quotaCreateSchema = quotaFieldsSchema;
export const quotaPatchSchema = quotaFieldsSchema.partial();
export const memberProfilePatchSchema = memberProfileFieldsSchema.omit({ memberId: true }).partial();
export const savedViewCreateSchema = savedViewFieldsSchema
  .partial()
  .required({ name: true, list: true, query: true });
/** A view's list never changes (its filters and columns would no longer fit). */
export const savedViewPatchSchema = savedViewFieldsSchema.omit({ list: true }).partial();
