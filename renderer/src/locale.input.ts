import {
  defaultCurrencyFor,
  parseLocaleDate,
  parseLocaleDateTime,
  parseLocaleNumber,
} from '../../shared/locale/locale.parse';
import { i18n } from './i18n/i18n';

/*
 * What people type into number, amount and date inputs, read in their locale: "1.234,56" in a
 * German browser is 1234.56, "05.03.2026" is 5 March. The browser's locale decides the format (an
 * English UI on a German machine still types German numbers); the UI language is the fallback.
 */

/** The locale input is typed in. */
export function inputLocale(): string {
  return (typeof navigator !== 'undefined' && navigator.language) || i18n.language || 'en';
}

/** A typed number, or null when it is not one. */
export function parseNumberInput(text: string, locale = inputLocale()): number | null {
  return parseLocaleNumber(text, locale);
}

/** A typed amount in minor units (`digits` decimals, 2 for most currencies), or null. */
export function parseAmountInput(text: string, digits = 2, locale = inputLocale()): number | null {
  const n = parseLocaleNumber(text, locale);
  if (n === null) return null;
  const minor = Math.round(n * 10 ** digits);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The ISO 4217 codes this runtime knows (the list a currency input offers and accepts). */
export const knownCurrencies: readonly string[] = Intl.supportedValuesOf('currency');
const known = new Set(knownCurrencies);

/** A typed currency code, in any case and spacing ("jpy" is JPY), or null when it is no real one. */
export function parseCurrencyInput(text: string): string | null {
  const code = text.trim().toUpperCase();
  return known.has(code) ? code : null;
}

/** A typed calendar date as `YYYY-MM-DD`, or null. */
export function parseDateInput(text: string, locale = inputLocale()): string | null {
  return parseLocaleDate(text, locale);
}

/** A typed date and time as epoch ms (local time), or null. */
export function parseDateTimeInput(text: string, locale = inputLocale()): number | null {
  return parseLocaleDateTime(text, locale);
}

/** The currency a new deal starts with: the one set in settings, else the locale's. */
export function defaultCurrency(fromSettings?: string | null, locale = inputLocale()): string {
  return fromSettings && /^[A-Z]{3}$/.test(fromSettings) ? fromSettings : defaultCurrencyFor(locale);
}
