import { z } from 'zod';
import {
  currencySchema,
  dateSchema,
  optText,
  recordMetaSchema,
  requiredText,
  userRefSchema,
} from './crm.base';
import { field } from './field.meta';

/*
 * Workspace data that is not customer data but syncs like records: dated exchange rates and quotas
 * (reporting), member profiles (people) and saved views. crm.schemas.ts re-exports them.
 */

// ---- Reporting: dated exchange rates and quotas (workspace data, synced like records) -------------
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
export const exchangeRateFieldsSchema = z.strictObject({
  /** The reporting currency the rate converts into. */
  base: field(currencySchema, { storage: 'text', input: 'currency', listColumn: { width: '100px' } }),
  currency: field(currencySchema, { storage: 'text', input: 'currency', listColumn: { width: '100px' } }),
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
  currency: field(currencySchema, { storage: 'text', input: 'currency' }),
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

/** Create inputs and patches of the workspace data. */
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
