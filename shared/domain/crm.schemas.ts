import { z } from 'zod';
import {
  currencySchema,
  dateSchema,
  emailSchema,
  idSchema,
  optText,
  phoneSchema,
  recordMetaSchema,
  requiredText,
  tagsSchema,
  text,
  timestampSchema,
  userRefSchema,
  addressSchema,
  consentSchema,
} from './crm.base';
import { field } from './field.meta';
import {
  exchangeRateFieldsSchema,
  memberProfileFieldsSchema,
  quotaFieldsSchema,
  savedViewFieldsSchema,
} from './workspace.schemas';

export * from './crm.base';
export * from './workspace.schemas';

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
  currency: field(currencySchema, { storage: 'text', default: 'EUR', input: 'currency' }),
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
