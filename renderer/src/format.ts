import { i18n } from './i18n/i18n';

/** Locale-aware formatting through Intl, following the current UI language. */
function locale(): string {
  return i18n.language || 'en';
}

// Building an Intl formatter costs far more than using one: a board or list formats hundreds of
// values per render, so formatters are kept per locale and options.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale()}|${JSON.stringify(options)}`;
  let fmt = numberFormats.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale(), options);
    numberFormats.set(key, fmt);
  }
  return fmt;
}

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale()}|${JSON.stringify(options)}`;
  let fmt = dateFormats.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(locale(), options);
    dateFormats.set(key, fmt);
  }
  return fmt;
}

export function formatDate(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : typeof value === 'string' ? dateOf(value) : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return dateFormat({ dateStyle: 'medium' }).format(date);
}

/**
 * A calendar day ("2027-03-31", a close date) is that day where the user is; `new Date` would read
 * it as UTC midnight, the day before anywhere west of UTC. Other text is an instant.
 */
function dateOf(text: string): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(text);
}

export function formatDateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatNumber(value: number): string {
  return numberFormat({}).format(value);
}

/** Money as stored (minor units, e.g. cents or fen) with its ISO currency. */
export function formatMoney(minor: number, currency: string): string {
  try {
    const fmt = numberFormat({ style: 'currency', currency });
    const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
    return fmt.format(minor / 10 ** digits);
  } catch {
    return `${formatNumber(minor / 100)} ${currency}`;
  }
}

export function formatBytes(bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(value);
}

/**
 * "3 minutes ago" / "in 20 seconds" through Intl.RelativeTimeFormat, relative to `now`. With `past`,
 * a time slightly ahead of this clock (main stamps with a server-corrected clock) reads as "now".
 */
export function formatRelative(
  value: string | null | undefined,
  now: number = Date.now(),
  past = false,
): string {
  if (!value) return '';
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return '';
  const raw = Math.round((at - now) / 1000);
  const seconds = past ? Math.min(0, raw) : raw;
  const fmt = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) return fmt.format(seconds, 'second');
  if (abs < 45 * 60) return fmt.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return fmt.format(Math.round(seconds / 3600), 'hour');
  return fmt.format(Math.round(seconds / 86400), 'day');
}
