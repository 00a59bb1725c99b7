import { z } from 'zod';
import { idSchema } from '../../domain/crm.schemas';

/*
 * Schemas of the CSV import, the export that round-trips with it, duplicate checks and merges.
 * The channels themselves are listed in crm.channels.ts.
 */

/** What a CSV column can be mapped to (which ones apply depends on the entity, see the preview). */
export const importTargetSchema = z.enum([
  'ignore',
  'name',
  'givenName',
  'familyName',
  'email',
  'phone',
  'title',
  'accountName',
  'ownerId',
  'tags',
  'notes',
  'street',
  'city',
  'region',
  'postalCode',
  'country',
  'marketingOptIn',
  // Accounts
  'domain',
  'industry',
  // Deals
  'amount',
  'currency',
  'pipeline',
  'stage',
  'closeDate',
  'probability',
  'status',
  // Deals and activities: linked records by name (or e-mail for contacts)
  'contactName',
  'dealName',
  // Activities
  'kind',
  'occurredAt',
  'durationMinutes',
  'subject',
  'outcome',
  'body',
  // Tasks ('name' is the title; accountName, contactName and dealName link it)
  'dueAt',
  'priority',
  'done',
  'assigneeId',
]);
export type ImportTarget = z.infer<typeof importTargetSchema>;

/** A custom field as an import target (`cf:<definition id>`), or `ignore`. */
export const customImportTargetSchema = z.union([
  z.literal('ignore'),
  z.string().regex(/^cf:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
]);

/** What an import creates. */
export const importEntitySchema = z.enum(['contact', 'account', 'deal', 'activity', 'task']);
export type ImportEntity = z.infer<typeof importEntitySchema>;

/** CSV text is read by the renderer from a file the user picked: main never opens a renderer-named path. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** Data rows one import takes (the header row not counted); more is refused as IMPORT_TOO_MANY_ROWS. */
export const MAX_IMPORT_ROWS = 200_000;

export const importInputSchema = z.strictObject({
  csv: z.string().max(MAX_IMPORT_BYTES),
  /** What the rows are (default contact). */
  entity: importEntitySchema.optional(),
  /** CSV header -> field. Headers left out are guessed from their names (see the preview). */
  mapping: z.record(z.string().max(200), importTargetSchema).optional(),
  /**
   * CSV header -> custom field (`cf:<definition id>`) or `ignore`. Headers left out go to the custom
   * field whose label (or export header) they are, when no built-in field takes them.
   */
  customMapping: z.record(z.string().max(200), customImportTargetSchema).optional(),
  /** Rows matching an existing contact (or an earlier row) by this key are skipped. */
  dedupeBy: z.enum(['email', 'phone', 'emailOrPhone', 'none']).optional(),
  /** Marks the opt-in source of imported consent flags. */
  source: z.string().trim().max(200).optional(),
  /**
   * abort (default): any row error rejects the file; skipRows: rows with errors are left out;
   * dropInvalidValues: an invalid value (e-mail, phone, owner, a too-long optional field) is dropped
   * and reported as a warning while its row is kept; rows that cannot be kept at all (no name,
   * unparseable) are left out as with skipRows. The preview applies the same rules.
   */
  onRowError: z.enum(['abort', 'skipRows', 'dropInvalidValues']).optional(),
  /** BCP 47 locale the file's numbers and dates are written in (amounts, close dates); default en. */
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z0-9-]+$/)
    .optional(),
  /** Currency of amounts without one (default: the locale's). */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
});

export const importRowErrorSchema = z.object({
  /** 1-based data row number (the header is row 0). */
  row: z.number().int(),
  column: z.string(),
  code: z.enum([
    'required',
    'invalid_email',
    'invalid_phone',
    'too_long',
    'parse',
    'invalid_number',
    'invalid_date',
    'invalid_value',
    /** A member-typed cell names a display name two or more members share. */
    'ambiguous_member',
  ]),
});

export const importPreviewSchema = z.object({
  entity: importEntitySchema.optional(),
  headers: z.array(z.string()),
  mapping: z.record(z.string(), importTargetSchema),
  /** The targets that apply to this entity, for the mapping step. */
  targets: z.array(importTargetSchema).optional(),
  /** Headers that go to custom fields (`cf:<id>`; `mapping` has them as ignore for built-in fields). */
  customMapping: z.record(z.string(), z.string()).optional(),
  /** The entity's custom fields a column can be mapped to. */
  customTargets: z.array(z.object({ target: z.string(), label: z.string() })).optional(),
  /** False when no column is mapped to the required name (or subject): the mapping step says so. */
  hasName: z.boolean().optional(),
  rows: z.number().int(),
  valid: z.number().int(),
  /** Rows skipped because an e-mail or phone matches an existing contact (`existing`) or an earlier row. */
  duplicates: z.array(z.object({ row: z.number().int(), of: z.enum(['existing', 'file']) })),
  /**
   * Rows that are imported but look like a record that exists (`existing`, with its id and name) or
   * an earlier row (`file`) by normalised name only (CJK-aware: 张伟 == 张 伟): shown for review.
   */
  possibleDuplicates: z
    .array(
      z.object({
        row: z.number().int(),
        of: z.enum(['existing', 'file']),
        id: idSchema.optional(),
        name: z.string().optional(),
      }),
    )
    .optional(),
  errors: z.array(importRowErrorSchema),
  /** Values that `dropInvalidValues` drops from rows that are kept (first 1000; empty otherwise). */
  warnings: z.array(importRowErrorSchema).optional(),
  /** The first rows as they would be created. */
  sample: z.array(
    z.object({
      row: z.number().int(),
      name: z.string(),
      emails: z.array(z.string()),
      phones: z.array(z.string()),
      /** Other mapped values as text, by target (accounts, deals, activities). */
      values: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

/** Input of `import.commit`. */
export const importCommitInputSchema = importInputSchema.extend({
  /** Echoed in `import.progressed` events; names the import for `import.cancel`. */
  importId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});

export const importCommitOutputSchema = z.object({
  created: z.number().int(),
  skippedDuplicates: z.number().int(),
  accountsCreated: z.number().int(),
  /** Rows left out because of errors (skipRows, dropInvalidValues). */
  skippedRows: z.number().int().optional(),
  /** Values dropped from kept rows (dropInvalidValues). */
  droppedValues: z.number().int().optional(),
});

/** Possible duplicates of a record about to be created (or of an existing one). */
export const duplicatesFindInputSchema = z.strictObject({
  entity: z.enum(['contact', 'account']),
  name: z.string().max(200).optional(),
  emails: z.array(z.string().max(254)).max(20).optional(),
  phones: z.array(z.string().max(40)).max(20).optional(),
  /** Leave this record out (checking an existing record against the others). */
  excludeId: idSchema.optional(),
});

export const duplicatesFindOutputSchema = z.object({
  matches: z.array(
    z.object({
      id: idSchema,
      name: z.string(),
      /** What matched: normalised name, an e-mail, a phone number. */
      by: z.array(z.enum(['name', 'email', 'phone'])),
    }),
  ),
});

/** Merges `fromId` into `intoId`: chosen fields from `fromId`, links moved, `fromId` deleted. */
export const recordsMergeInputSchema = z.strictObject({
  entity: z.enum(['contact', 'account']),
  intoId: idSchema,
  fromId: idSchema,
  /** Fields whose value is taken from `fromId` (the rest stay as in `intoId`); lists are unioned. */
  take: z.array(z.string().max(64)).max(64),
});

export const recordsMergeOutputSchema = z.object({
  id: idSchema,
  /** Records (activities, tasks, deals, contacts) re-linked from `fromId` to `intoId`. */
  relinked: z.number().int(),
});
