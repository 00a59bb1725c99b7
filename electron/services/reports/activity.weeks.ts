import type { ActivityKind } from '../../../shared/reports/dashboard.contract';
import { reportActivityKindSchema } from '../../../shared/reports/dashboard.contract';
import type { ActivityFact } from './dashboard.compute';
import type { ActivityDay } from './reports.repository';

const DAY_MS = 86_400_000;

/** Where per-UTC-day counts come from, and exact counts for a part of one day. */
export interface ActivitySource {
  activityDays(fromDay: number, toDay: number): readonly ActivityDay[];
  activityCountsBetween(fromMs: number, toMs: number): readonly { author: string; kind: string; n: number }[];
}

/**
 * Live activities of the local days `from..to` at a UTC offset, per author, kind and local ISO week,
 * from counts kept per UTC day. The period and each local Monday are boundaries; a UTC day that
 * holds a boundary (any offset but whole days) is split there with one exact count of its part
 * before it, so the sums equal counting every activity by its local day. Each fact's `day` is the
 * first local day of its part of the period (a Monday, or `from`).
 */
export function activityFacts(
  source: ActivitySource,
  from: string,
  to: string,
  utcOffsetMinutes: number,
): ActivityFact[] {
  const offset = utcOffsetMinutes * 60_000;
  const fromLocal = Date.parse(`${from}T00:00:00Z`);
  const toLocal = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  if (!(toLocal > fromLocal)) return [];
  // Boundaries as UTC instants: the period's start, every local Monday inside, the period's end.
  const bounds: number[] = [fromLocal - offset];
  const firstWeekday = (new Date(fromLocal).getUTCDay() + 6) % 7;
  for (let m = fromLocal + ((7 - firstWeekday) % 7 || 7) * DAY_MS; m < toLocal; m += 7 * DAY_MS)
    bounds.push(m - offset);
  const fromMs = bounds[0]!;
  const toMs = toLocal - offset;
  const labels = bounds.map((b) => new Date(b + offset).toISOString().slice(0, 10));
  bounds.push(toMs);
  /** The part of the period holding instant `t`, or -1 outside it. */
  const partOf = (t: number): number => {
    if (t < fromMs || t >= toMs) return -1;
    let lo = 0;
    let hi = bounds.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // A boundary strictly inside a UTC day splits it; boundaries are whole local days apart, so a
  // UTC day holds at most one.
  const splits = new Map<number, { at: number; early: Map<string, number> }>();
  for (const b of bounds) {
    const dayStart = Math.floor(b / DAY_MS) * DAY_MS;
    if (b === dayStart) continue;
    const early = new Map<string, number>();
    for (const r of source.activityCountsBetween(dayStart, b)) early.set(`${r.author}\u0000${r.kind}`, r.n);
    splits.set(dayStart / DAY_MS, { at: b, early });
  }
  const out = new Map<string, { authorId: string; kind: ActivityKind; day: string; count: number }>();
  const add = (part: number, author: string, kind: ActivityKind, n: number) => {
    if (part < 0 || n === 0) return;
    const key = `${part}\u0000${author}\u0000${kind}`;
    const row = out.get(key);
    if (row) row.count += n;
    else out.set(key, { authorId: author, kind, day: labels[part]!, count: n });
  };
  for (const row of source.activityDays(Math.floor(fromMs / DAY_MS), Math.floor((toMs - 1) / DAY_MS))) {
    const kind = reportActivityKindSchema.safeParse(row.kind);
    if (!kind.success) continue;
    const start = row.day * DAY_MS;
    const split = splits.get(row.day);
    if (!split) {
      add(partOf(start), row.author, kind.data, row.n);
      continue;
    }
    const early = split.early.get(`${row.author}\u0000${row.kind}`) ?? 0;
    add(partOf(start), row.author, kind.data, early);
    add(partOf(split.at), row.author, kind.data, row.n - early);
  }
  return [...out.values()];
}
