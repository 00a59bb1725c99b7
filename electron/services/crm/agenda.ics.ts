import type { z } from 'zod';
import {
  activitySchema,
  contactSchema,
  taskSchema,
  type Activity,
  type Task,
} from '../../../shared/domain/crm.schemas';
import { AppError } from '../../../shared/errors';
import { activityDef, contactDef, taskDef } from './crm.entities';
import type { CrmService } from './crm.service';

/** The rows that pass their record schema (a damaged row is left out, as lists do). */
function valid<S extends z.ZodType>(schema: S, rows: readonly unknown[]): z.output<S>[] {
  return rows.flatMap((row) => {
    const parsed = schema.safeParse(row);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Minutes a timed activity without a duration lasts in a calendar. */
const DEFAULT_MINUTES = 30;
/** The widest agenda range one export covers (about a quarter). */
export const MAX_ICS_RANGE_MS = 93 * 24 * 60 * 60 * 1000;
/** Events per export: a range with more asks for a narrower one instead of cutting silently. */
export const MAX_ICS_ITEMS = 5000;

/** RFC 5545 3.3.11 TEXT: backslash, semicolon, comma escaped; line breaks as \n. */
export function icsText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A UTC DATE-TIME (form #2): 20261201T093000Z. */
export function icsUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * RFC 5545 3.1: lines of at most 75 octets, longer ones folded with CRLF + space, never inside a
 * UTF-8 sequence (a CJK subject is three octets per character).
 */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

interface Named {
  readonly name: string;
  readonly email: string | null;
}

function attendeeLine(person: Named): string {
  // A parameter value with ; , : is quoted (3.2); quotes themselves cannot appear in one.
  const cn = `"${person.name.replace(/"/g, "'")}"`;
  return person.email
    ? `ATTENDEE;CN=${cn}:mailto:${person.email}`
    : `ATTENDEE;CN=${cn}:urn:fieldvault:contact`;
}

/** One VEVENT for an activity; its UID is the record id, so re-imports update instead of duplicating. */
function activityEvent(a: Activity, attendees: readonly Named[], stamp: number, label: string): string[] {
  const minutes = a.durationMinutes ?? DEFAULT_MINUTES;
  const lines = [
    'BEGIN:VEVENT',
    `UID:${a.id}@fieldvault`,
    `DTSTAMP:${icsUtc(stamp)}`,
    `DTSTART:${icsUtc(a.occurredAt)}`,
    `DTEND:${icsUtc(a.occurredAt + minutes * 60_000)}`,
    `SUMMARY:${icsText(a.subject ?? label)}`,
    `CATEGORIES:${a.kind.toUpperCase()}`,
    `LAST-MODIFIED:${icsUtc(a.updatedAt)}`,
  ];
  const description = [a.outcome, a.body].filter((s) => s !== null && s !== '').join('\n\n');
  if (description) lines.push(`DESCRIPTION:${icsText(description)}`);
  for (const person of attendees) lines.push(attendeeLine(person));
  lines.push('END:VEVENT');
  return lines;
}

function taskTodo(task: Task, stamp: number): string[] {
  return [
    'BEGIN:VTODO',
    `UID:${task.id}@fieldvault`,
    `DTSTAMP:${icsUtc(stamp)}`,
    ...(task.dueAt !== null ? [`DUE:${icsUtc(task.dueAt)}`] : []),
    `SUMMARY:${icsText(task.title)}`,
    `STATUS:${task.done ? 'COMPLETED' : 'NEEDS-ACTION'}`,
    `PRIORITY:${task.priority === 'high' ? 1 : task.priority === 'low' ? 9 : 5}`,
    `LAST-MODIFIED:${icsUtc(task.updatedAt)}`,
    'END:VTODO',
  ];
}

/** A VCALENDAR of events and to-dos: CRLF line ends, folded lines, UTC times only (no VTIMEZONE). */
export function icsCalendar(components: readonly string[][]): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//FieldVault//Agenda//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    ...components.flat(),
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

function people(svc: CrmService, ids: readonly string[]): Named[] {
  const rows = ids.map((id) => svc.records.get(contactDef, id)).filter((c) => c && c.deletedAt === null);
  return valid(contactSchema, rows).map((c) => ({ name: c.name, email: c.emails[0] ?? null }));
}

/** Activity kinds by the user's words for them; the stored kind where none is given. */
export type KindLabels = Partial<Readonly<Record<Activity['kind'], string>>>;

/** The file one activity (a meeting, a visit) exports to. */
export function activityIcs(svc: CrmService, id: string, now: number, labels: KindLabels = {}) {
  const row = svc.records.get(activityDef, id);
  if (!row || row.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such activity');
  const [a] = valid(activitySchema, [row]);
  if (!a) throw new AppError('CORRUPT_STORE', 'A stored record is damaged');
  const label = labels[a.kind] ?? a.kind;
  const content = icsCalendar([activityEvent(a, people(svc, a.attendeeIds), now, label)]);
  return { filename: `${label}-${icsUtc(a.occurredAt)}.ics`, mimeType: 'text/calendar', content, count: 1 };
}

/** What the agenda export covers: its range, the owner scope the screen shows, the user's words. */
export interface AgendaExport {
  readonly from: number;
  readonly to: number;
  readonly authorIn?: readonly string[];
  readonly assigneeIn?: readonly string[];
  /** The local first day (YYYY-MM-DD) the file is named after; the UTC day of `from` without one. */
  readonly day?: string;
  readonly kindLabels?: KindLabels;
}

/** The agenda from `from` (inclusive) to `to` (exclusive): timed activities and dated tasks. */
export function agendaIcs(svc: CrmService, input: AgendaExport, now: number) {
  const { from, to } = input;
  if (to <= from || to - from > MAX_ICS_RANGE_MS)
    throw new AppError('VALIDATION', 'The range must be positive and at most 93 days');
  const acts = svc.list(activityDef, {
    filter: { occurredAfter: from, occurredBefore: to, authorIn: input.authorIn },
    sort: { field: 'occurredAt', dir: 'asc' },
    limit: MAX_ICS_ITEMS + 1,
  });
  const tasks = svc.list(taskDef, {
    filter: { dueAfter: from, dueBefore: to, assigneeIn: input.assigneeIn },
    sort: { field: 'dueAt', dir: 'asc' },
    limit: MAX_ICS_ITEMS + 1,
  });
  if (acts.total + tasks.total > MAX_ICS_ITEMS)
    throw new AppError('VALIDATION', 'Too many agenda items: export a shorter range');
  const components = [
    ...valid(activitySchema, acts.items).map((a) =>
      activityEvent(a, people(svc, a.attendeeIds), now, input.kindLabels?.[a.kind] ?? a.kind),
    ),
    ...valid(taskSchema, tasks.items).map((t) => taskTodo(t, now)),
  ];
  const content = icsCalendar(components);
  return {
    filename: `agenda-${input.day ?? new Date(from).toISOString().slice(0, 10)}.ics`,
    mimeType: 'text/calendar',
    content,
    count: components.length,
  };
}
