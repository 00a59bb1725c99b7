/**
 * Numbers, amounts and dates as people type them in their locale ("1.234,56" in de is 1234.56,
 * "05.03.2026" in de is 5 March, "2026年3月5日" in zh-CN). Pure and dependency-free (Intl only), so the
 * renderer's form inputs and main's importer parse the same way.
 */

interface Separators {
  readonly group: string;
  readonly decimal: string;
}

const separatorCache = new Map<string, Separators>();

/** The locale's group and decimal separators (from Intl). */
export function separatorsOf(locale: string): Separators {
  let s = separatorCache.get(locale);
  if (!s) {
    const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
    s = {
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    };
    separatorCache.set(locale, s);
  }
  return s;
}

const SPACES = /[\s\u00a0\u202f\u2009']/g;
const FULL_WIDTH = /[\uff10-\uff19\uff0c\uff0e\uff0d\uff0b]/g;

/** Full-width digits and punctuation (０-９，．－＋) as ASCII. */
export function toHalfWidth(text: string): string {
  return text.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

// What may stand around an amount: a currency sign with its country prefix (US$, CN¥), an ISO code
// in capitals (EUR) or 元. Any other letter makes the text no number: "50k" or "1e5" is not 50 or 15.
const CURRENCY = /(?:[A-Z]{1,3})?\p{Sc}|(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])|元/gu;

/**
 * A number as typed in `locale`, or null. Currency signs, codes and spaces are ignored; any other
 * letter or sign gives null. With both `.` and `,` present, the last one is the decimal mark; with
 * only one kind, the locale decides, except that a mark not followed by exactly three digits cannot
 * be grouping and is the decimal mark (so "1234.56" is read the same in de and en, and "1.234" in de
 * is 1234).
 */
export function parseLocaleNumber(text: string, locale: string): number | null {
  let t = toHalfWidth(text).replace(CURRENCY, '').trim();
  let negative = false;
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1);
  }
  t = t.replace(SPACES, '');
  if (/[^\d.,+-]/.test(t)) return null;
  if (t.startsWith('-')) {
    negative = !negative;
    t = t.slice(1);
  } else if (t.startsWith('+')) t = t.slice(1);
  if (t.endsWith('-')) {
    negative = !negative;
    t = t.slice(0, -1);
  }
  if (!/^[\d.,]+$/.test(t) || !/\d/.test(t)) return null;
  const { group, decimal } = separatorsOf(locale);
  const lastDot = t.lastIndexOf('.');
  const lastComma = t.lastIndexOf(',');
  let decimalMark: string | null;
  if (lastDot !== -1 && lastComma !== -1) decimalMark = lastDot > lastComma ? '.' : ',';
  else if (lastDot === -1 && lastComma === -1) decimalMark = null;
  else {
    const mark = lastDot !== -1 ? '.' : ',';
    const count = t.split(mark).length - 1;
    const after = t.length - t.lastIndexOf(mark) - 1;
    const localeDecimal = decimal === mark;
    const localeGroup = group === mark || (group !== '.' && group !== ',' && !localeDecimal);
    if (count > 1) decimalMark = null;
    else if (after !== 3) decimalMark = mark;
    else decimalMark = localeDecimal ? mark : localeGroup ? null : mark;
  }
  const [whole = '', frac = ''] = decimalMark ? t.split(decimalMark) : [t];
  if (decimalMark && t.split(decimalMark).length > 2) return null;
  const digits = whole.replace(/[.,]/g, '');
  // Grouping, where present, must be in threes after the first group.
  const other = decimalMark === '.' ? ',' : '.';
  if (whole.includes(other) && !new RegExp(`^\\d{1,3}(\\${other}\\d{3})+$`).test(whole)) return null;
  if (!/^\d*$/.test(frac) || (digits === '' && frac === '')) return null;
  const value = Number(`${digits || '0'}.${frac || '0'}`);
  if (!Number.isFinite(value)) return null;
  return negative ? -value : value;
}

/** An amount in minor units (cents) as typed in `locale`; null when it is not a number. */
export function parseLocaleAmountMinor(text: string, locale: string, fractionDigits = 2): number | null {
  const n = parseLocaleNumber(text, locale);
  if (n === null) return null;
  const minor = Math.round(n * 10 ** fractionDigits);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The order of day, month and year in the locale's short numeric date. */
export function dateOrderOf(locale: string): ('day' | 'month' | 'year')[] {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(2026, 10, 23))
    .map((p) => p.type)
    .filter((t): t is 'day' | 'month' | 'year' => t === 'day' || t === 'month' || t === 'year');
  return parts.length === 3 ? parts : ['year', 'month', 'day'];
}

function validDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A calendar date as typed in `locale` (`YYYY-MM-DD`), or null. ISO dates (and ISO date-times, whose
 * date part is taken) are read everywhere; otherwise the locale's day/month/year order applies.
 * Two-digit years are 20xx.
 */
export function parseLocaleDate(text: string, locale: string): string | null {
  const t = toHalfWidth(text.trim())
    .replace(/[年月]/g, '-')
    .replace(/日/g, '')
    .trim();
  const iso = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/.exec(t);
  if (iso) return validDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const m = /^(\d{1,4})[-/. ]+(\d{1,2})[-/. ]+(\d{1,4})\.?(?:\s.*)?$/.exec(t);
  if (!m) return null;
  const order = dateOrderOf(locale);
  const values: Record<string, number> = {};
  order.forEach((part, i) => (values[part] = Number(m[i + 1])));
  let y = values.year ?? 0;
  if (y < 100) y += 2000;
  return validDate(y, values.month ?? 0, values.day ?? 0);
}

/**
 * A date and optional time (`HH:MM[:SS]`, 24 h or with am/pm) in `locale`, as epoch ms in the given
 * time zone offset function (local time by default); null when not a date.
 */
export function parseLocaleDateTime(text: string, locale: string): number | null {
  const t = toHalfWidth(text.trim());
  if (/^\d{4}-\d{2}-\d{2}T/.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  }
  const time = /(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$/i.exec(t);
  const datePart = time ? t.slice(0, time.index).replace(/[T,\s]+$/, '') : t;
  const date = parseLocaleDate(datePart, locale);
  if (!date) return null;
  let hours = time ? Number(time[1]) : 0;
  const minutes = time ? Number(time[2]) : 0;
  const seconds = time?.[3] ? Number(time[3]) : 0;
  const meridiem = time?.[4]?.toLowerCase().replace(/\./g, '');
  if (meridiem === 'pm' && hours < 12) hours += 12;
  if (meridiem === 'am' && hours === 12) hours = 0;
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  const [y = 0, mo = 1, d = 1] = date.split('-').map(Number);
  return new Date(y, mo - 1, d, hours, minutes, seconds).getTime();
}

const REGION_CURRENCY: Record<string, string> = {
  US: 'USD',
  GB: 'GBP',
  CN: 'CNY',
  TW: 'TWD',
  HK: 'HKD',
  MO: 'MOP',
  SG: 'SGD',
  JP: 'JPY',
  KR: 'KRW',
  IN: 'INR',
  CA: 'CAD',
  AU: 'AUD',
  NZ: 'NZD',
  CH: 'CHF',
  LI: 'CHF',
  SE: 'SEK',
  NO: 'NOK',
  DK: 'DKK',
  PL: 'PLN',
  CZ: 'CZK',
  HU: 'HUF',
  RO: 'RON',
  BG: 'BGN',
  RU: 'RUB',
  UA: 'UAH',
  TR: 'TRY',
  BR: 'BRL',
  MX: 'MXN',
  AR: 'ARS',
  ZA: 'ZAR',
  IL: 'ILS',
  AE: 'AED',
  SA: 'SAR',
  TH: 'THB',
  MY: 'MYR',
  ID: 'IDR',
  PH: 'PHP',
  VN: 'VND',
  IS: 'ISK',
};
const EURO = new Set(
  'AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK AD MC SM VA ME XK'.split(' '),
);

/** The currency people in the locale's region use (EUR for de, CNY for zh-CN); `fallback` if unknown. */
export function defaultCurrencyFor(locale: string, fallback = 'EUR'): string {
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).maximize().region;
  } catch {
    return fallback;
  }
  if (!region) return fallback;
  if (EURO.has(region)) return 'EUR';
  return REGION_CURRENCY[region] ?? fallback;
}

const digitsByCurrency = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, KWD 3), as the platform's ICU knows them. */
export function currencyDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** A minor-unit amount as plain decimal text in its currency's digits (JPY 250000, EUR 12.50), for files. */
export function minorAsDecimalText(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}
