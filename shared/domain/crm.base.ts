import { z } from 'zod';
import { UUID_PATTERN } from './ids';

/*
 * The primitives every record schema is built from: ids, times, text, contact points, consent, the
 * record metadata. crm.schemas.ts re-exports them.
 */

/** Record ids are UUIDs (UUIDv7 when made here), lower-case canonical text. */
export const idSchema = z.string().regex(UUID_PATTERN);
/** Unix epoch milliseconds (years 1970..2999). */
export const timestampSchema = z.number().int().min(0).max(32_503_680_000_000);
/** A calendar date, YYYY-MM-DD. */
export const dateSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);

/** Trimmed text of at most `max` characters. */
export const text = (max: number) => z.string().trim().max(max);
/** Trimmed, non-empty text of at most `max` characters. */
export const requiredText = (max: number) => z.string().trim().min(1).max(max);
/** Trimmed text of at most `max` characters, or null. */
export const optText = (max: number) => text(max).nullable();

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

/** An ISO 4217 currency code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/);
