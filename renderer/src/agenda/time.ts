import type { TFunction } from 'i18next';
import type { Activity } from '../../../shared/domain/crm.schemas';

type ActivityKind = Activity['kind'];
/** Local date/time helpers for the inputs the agenda and tasks use (the browser's own time zone). */

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of a moment, local. */
export function dateInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `HH:MM` of a moment, local. */
export function timeInput(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The moment of a local date and time input; null when either is not a valid value. */
export function fromInputs(date: string, time: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const ms = new Date(`${date}T${time}`).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Start of the local day of `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** `days` local days after `ms`'s day start (DST-safe: calendar arithmetic, not 24 h steps). */
export function addDays(ms: number, days: number): number {
  const d = new Date(startOfDay(ms));
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days).getTime();
}

/** Monday of the week of `ms` (ISO weeks start on Monday, in both languages we ship). */
export function startOfWeek(ms: number): number {
  const day = new Date(startOfDay(ms)).getDay();
  return addDays(ms, -((day + 6) % 7));
}

/** What each activity kind is called in the user's language, for an exported calendar's titles. */
export function kindLabels(t: TFunction): Record<ActivityKind, string> {
  return {
    call: t('kinds.call'),
    meeting: t('kinds.meeting'),
    visit: t('kinds.visit'),
    email: t('kinds.email'),
    note: t('kinds.note'),
  };
}
