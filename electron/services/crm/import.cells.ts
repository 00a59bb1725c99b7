import { EMAIL_PATTERN, PHONE_PATTERN } from '../../../shared/domain/crm.schemas';

/*
 * Cell-level rules of the CSV importer: multi-value cells, and checks that give the
 * contact schemas' results without zod's per-call cost (proven equal by the fast-path tests).
 */

/** What an invalid optional field becomes when dropInvalidValues drops it. */
export const EMPTY: Record<string, unknown> = { emails: [], phones: [], tags: [], notes: '' };
export const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function splitMulti(cell: string): string[] {
  return cell
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The list without repeats, in first-seen order (the same array when it cannot have any). */
export function unique(values: string[]): string[] {
  return values.length < 2 ? values : [...new Set(values)];
}

/** Consent of a row without an opt-in (shared: rows are read, never modified, after analysis). */
export const NO_CONSENT = Object.freeze({ marketingOptIn: false, recordedAt: null, source: null });

export function truthy(cell: string): boolean {
  return /^(yes|y|true|1|x|opted[ -]?in|subscribed)$/i.test(cell.trim());
}

/** Null, or a string of at most `max` that trimming leaves unchanged. */
export const within = (v: unknown, max: number) =>
  v === null || (typeof v === 'string' && v.length <= max && v === v.trim());

/**
 * Fast path of `contactCreateSchema` for the rows the importer builds: e-mails and phones already
 * passed their own schemas, so checking lengths and that strings are trimmed is enough. True only
 * when the schema would accept the row unchanged; anything else goes through the schema (and its
 * error), so this can make no row valid that the schema rejects.
 */
export function fitsContact(f: Record<string, unknown>): boolean {
  const name = f.name;
  const emails = f.emails as string[];
  const phones = f.phones as string[];
  const tags = f.tags as string[];
  const address = f.address as Record<string, string> | null;
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    within(name, 200) &&
    within(f.givenName, 100) &&
    within(f.familyName, 100) &&
    within(f.title, 200) &&
    (f.ownerId === null || (within(f.ownerId, 100) && (f.ownerId as string).length >= 1)) &&
    within(f.notes, 20_000) &&
    emails.length <= 20 &&
    phones.length <= 20 &&
    tags.length <= 50 &&
    tags.every((t) => t.length >= 1 && within(t, 50)) &&
    (address === null ||
      (within(address.street ?? null, 200) &&
        within(address.city ?? null, 100) &&
        within(address.region ?? null, 100) &&
        within(address.postalCode ?? null, 20) &&
        within(address.country ?? null, 100)))
  );
}

/**
 * `emailSchema`'s result for one cell without zod's per-call cost (the same checks on the same
 * pattern); null where the schema fails. An import validates hundreds of thousands of them.
 */
export function quickEmail(raw: string): string | null {
  const t = raw.trim();
  return t.length <= 254 && EMAIL_PATTERN.test(t) ? t.toLowerCase() : null;
}

/** `phoneSchema`'s result the same way (same pattern, length and digit count); null where it fails. */
export function quickPhone(raw: string): string | null {
  const t = raw.trim();
  return t.length <= 40 && PHONE_PATTERN.test(t) && t.replace(/\D/g, '').length >= 3 ? t : null;
}
