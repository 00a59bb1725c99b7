import type { TFunction } from 'i18next';
import { entityRegistry, type FieldSpec } from '../../../shared/domain/entity.registry';
import type { InputKind } from '../../../shared/domain/field.meta';
import type { EntityKind } from '../ui.store';
import {
  inputLocale,
  parseAmountInput,
  parseCurrencyInput,
  parseDateInput,
  parseNumberInput,
} from '../locale.input';
import type { AnyRecord } from './crm.data';
import { currencyDigits } from '../../../shared/locale/locale.parse';
import { formatMoney, formatNumber } from '../format';

/** An inline-editable field of a record page: a registry field that has an input kind. */
export interface FieldDef extends FieldSpec {
  readonly input: InputKind;
}

/** The input kinds the record page can edit; `satisfies` fails the build when `InputKind` grows. */
export const supportedInputs = {
  text: true,
  optText: true,
  textarea: true,
  list: true,
  money: true,
  int: true,
  date: true,
  member: true,
  currency: true,
} as const satisfies Record<InputKind, true>;

/**
 * The names of fields the registry declares member-typed (`input: 'member'`) in any entity: their
 * values are member ids, shown by the member's name wherever a value of theirs is shown.
 */
export const memberFields: ReadonlySet<string> = new Set(
  Object.values(entityRegistry).flatMap((spec) =>
    Object.values<FieldSpec>(spec.fields)
      .filter((f) => f.input === 'member')
      .map((f) => f.name),
  ),
);

const formOf = (entity: EntityKind): readonly FieldDef[] =>
  entityRegistry[entity].form.filter((f): f is FieldDef => f.input !== null);

/** The inline-editable fields of each record page, in schema order (from the entity registry). */
export const recordFields: Record<EntityKind, readonly FieldDef[]> = {
  account: formOf('account'),
  contact: formOf('contact'),
  deal: formOf('deal'),
};

/** Minor-unit digits of a currency (2 for EUR, 0 for JPY): the one shared definition. */
export { currencyDigits };

/** The currency a record's money fields are in (a deal's own; the registry's default otherwise). */
/** A record's currency (a deal's), else the one amounts default to. */
export function currencyOf(record: AnyRecord): string {
  return (record as { currency?: string }).currency ?? 'EUR';
}

/** The text an input shows for a stored value (numbers in the input locale, without grouping). */
export function toInput(field: FieldDef, record: AnyRecord, locale = inputLocale()): string {
  const value: unknown = (record as Record<string, unknown>)[field.name];
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (field.input === 'money' && typeof value === 'number') {
    const digits = currencyDigits(currencyOf(record));
    return localeNumber(value / 10 ** digits, digits, locale);
  }
  if (field.input === 'int' && typeof value === 'number') return localeNumber(value, 0, locale);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** A number as the locale writes it, without grouping, so what is shown parses back the same. */
function localeNumber(value: number, digits: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, {
      useGrouping: false,
      minimumFractionDigits: 0,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    return String(value);
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Converts the typed text to the field's value and validates it against the field's registry schema.
 * Numbers, amounts and dates are read in the input locale ("1.234,56" in de-DE is 1234.56).
 */
export function parseField(
  field: FieldDef,
  text: string,
  record: AnyRecord,
  t: TFunction,
  locale = inputLocale(),
): Parsed {
  const trimmed = text.trim();
  let value: unknown;
  switch (field.input) {
    case 'text':
      value = trimmed;
      break;
    // A member field is written by its picker; as text (an untouched default) it is the stored id.
    case 'member':
    case 'optText':
      value = trimmed === '' ? null : trimmed;
      break;
    case 'date':
      // An unreadable date is kept as typed, so the schema's message explains it.
      value = trimmed === '' ? null : (parseDateInput(trimmed, locale) ?? trimmed);
      break;
    case 'textarea':
      value = text;
      break;
    case 'currency':
      value = parseCurrencyInput(trimmed);
      if (value === null) return { ok: false, message: t('record.badCurrency') };
      break;
    case 'list':
      value =
        trimmed === ''
          ? []
          : trimmed
              .split(/[,，;；\n]/)
              .map((s) => s.trim())
              .filter((s) => s !== '');
      break;
    case 'int':
    case 'money': {
      if (trimmed === '') {
        value = field.input === 'int' ? null : 0;
        break;
      }
      const digits = currencyDigits(currencyOf(record));
      const n =
        field.input === 'money'
          ? (parseAmountInput(trimmed, digits, locale) ?? beyondSafe(trimmed, digits, locale))
          : parseNumberInput(trimmed, locale);
      if (n === null) return { ok: false, message: t('record.badNumber') };
      value = n;
      break;
    }
  }
  const result = field.schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = tightest(result.error.issues);
  if (field.element === 'email') return { ok: false, message: t('record.badEmail') };
  if (field.element === 'phone') return { ok: false, message: t('record.badPhone') };
  if (field.input === 'date') return { ok: false, message: t('record.badDate') };
  if (field.input === 'int' || field.input === 'money')
    return { ok: false, message: numberMessage(issue, field.input, currencyOf(record), t) };
  if (issue?.code === 'too_small') return { ok: false, message: t('record.required') };
  if (issue?.code === 'too_big') return { ok: false, message: t('record.tooLong') };
  return { ok: false, message: t('record.badValue') };
}

/**
 * An amount that is a number but too large for exact minor units: its (inexact) minor units, so the
 * field's schema says which bound it passes instead of "Enter a number".
 */
function beyondSafe(text: string, digits: number, locale: string): number | null {
  const n = parseNumberInput(text, locale);
  const minor = n === null ? null : Math.round(n * 10 ** digits);
  return minor !== null && Number.isFinite(minor) ? minor : null;
}

/**
 * The issue worth telling: of several bounds passed (the safe-integer range and the field's own),
 * the tightest one; otherwise the first issue.
 */
export function tightest<I extends { code: string; minimum?: unknown; maximum?: unknown }>(
  issues: readonly I[],
): I | undefined {
  // Smaller is tighter: a maximum as it is, a minimum negated (the larger minimum is the tighter).
  const bound = (i: I) =>
    i.code === 'too_big' && typeof i.maximum === 'number'
      ? i.maximum
      : i.code === 'too_small' && typeof i.minimum === 'number'
        ? -i.minimum
        : null;
  let best: I | undefined;
  for (const i of issues) {
    const b = bound(i);
    const kept = best === undefined ? null : bound(best);
    if (b !== null && (kept === null || b < kept)) best = i;
  }
  return best ?? issues[0];
}

/**
 * Why a number the rep typed does not fit its field: below its minimum, above its maximum (shown
 * as the field shows values: money in its currency), or not whole where only whole numbers go.
 */
export function numberMessage(
  issue: { code: string; minimum?: unknown; maximum?: unknown } | undefined,
  input: 'int' | 'number' | 'money',
  currency: string,
  t: TFunction,
): string {
  const shown = (n: number) => (input === 'money' ? formatMoney(n, currency) : formatNumber(n));
  if (issue?.code === 'too_small' && typeof issue.minimum === 'number')
    return t('record.numberMin', { min: shown(issue.minimum) });
  if (issue?.code === 'too_big' && typeof issue.maximum === 'number')
    return t('record.numberMax', { max: shown(issue.maximum) });
  if (issue?.code === 'invalid_type' && input === 'int') return t('record.wholeNumber');
  return t('record.badNumber');
}
