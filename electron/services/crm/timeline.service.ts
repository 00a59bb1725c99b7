import { formatHlc, parseHlc } from '../../../shared/domain/hlc';
import { AppError } from '../../../shared/errors';
import { activityDef, entityDefs, taskDef, type EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';
import type { OpRow } from './oplog.repository';
import type { RecordData } from './records.repository';
import { TimelineRepository } from './timeline.repository';

/** One field of one change: the value before and after it (undefined before: never written). */
export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type TimelineItem =
  | { type: 'activity'; at: number; activity: RecordData }
  | { type: 'task'; at: number; task: RecordData }
  | {
      type: 'change';
      at: number;
      hlc: string;
      deviceId: string;
      fields: string[];
      changes: FieldChange[];
    };

export interface TimelineCursor {
  readonly at: number;
  readonly key: string;
}

/**
 * Old -> new of every change of one record, by HLC: replays the op log in HLC order (the order the
 * writer picks winners in), so "before" is the value the field had just before that change.
 * The record's first change (its creation) has no "before": a deal created in USD was never in the
 * registry's default currency. Erased ops (fields null) show no values.
 */
function changesByHlc(rows: readonly OpRow[], def: EntityDef<unknown>): Map<string, FieldChange[]> {
  const current = new Map<string, unknown>(Object.entries(def.defaults));
  const out = new Map<string, FieldChange[]>();
  for (const [index, row] of rows.entries()) {
    if (row.fields === null) {
      out.set(row.hlc, []);
      continue;
    }
    const fields = JSON.parse(row.fields) as Record<string, unknown>;
    const list: FieldChange[] = [];
    for (const [field, after] of Object.entries(fields)) {
      const before = index === 0 ? undefined : current.has(field) ? current.get(field) : null;
      list.push({ field, before, after });
      current.set(field, after);
    }
    out.set(row.hlc, list);
  }
  return out;
}

/**
 * Activities, tasks and changes of one account, contact or deal, newest first, in keyset pages.
 * An account's activities and tasks include those of its contacts and deals.
 */
export function recordTimeline(
  svc: CrmService,
  entity: 'account' | 'contact' | 'deal',
  id: string,
  limit: number,
  cursor: TimelineCursor | null,
): { items: TimelineItem[]; next: TimelineCursor | null } {
  const def: EntityDef<unknown> = entityDefs[entity];
  const record = svc.records.get(def, id);
  if (!record || record.deletedAt !== null) throw new AppError('NOT_FOUND', `No such ${entity}`);
  const repo = new TimelineRepository(svc.db);
  const beforeAt = cursor?.at ?? Number.MAX_SAFE_INTEGER;
  const beforeKey = cursor?.key ?? '\uffff';
  // One more than a page from each source, so "is there a next page" is known even when one source
  // alone fills this page exactly.
  const acts = repo
    .slice('crm_activities', entity, id, beforeAt, beforeKey, limit + 1)
    .map((r) => ({ type: 'activity' as const, at: r.at, key: r.id }));
  const tasks = repo
    .slice('crm_tasks', entity, id, beforeAt, beforeKey, limit + 1)
    .map((r) => ({ type: 'task' as const, at: r.at, key: r.id }));
  const hlcBound = formatHlc({ wall: Math.min(beforeAt + 1, 0xffffffffffff), counter: 0, deviceId: '0' });
  const changes = svc.oplog
    .changes(id, hlcBound, limit + 50)
    .map((c) => ({ type: 'change' as const, at: parseHlc(c.hlc)?.wall ?? 0, key: c.hlc, row: c }))
    .filter((c) => c.at < beforeAt || (c.at === beforeAt && c.key < beforeKey));
  const merged = [...acts, ...tasks, ...changes].sort((a, b) =>
    a.at !== b.at ? b.at - a.at : a.key < b.key ? 1 : a.key > b.key ? -1 : 0,
  );
  const pageItems = merged.slice(0, limit);
  const values = pageItems.some((it) => it.type === 'change')
    ? changesByHlc(svc.oplog.forRecord(id), def)
    : new Map<string, FieldChange[]>();
  const items: TimelineItem[] = pageItems.map((it) => {
    if (it.type === 'activity')
      return { type: 'activity', at: it.at, activity: svc.records.get(activityDef, it.key)! };
    if (it.type === 'task') return { type: 'task', at: it.at, task: svc.records.get(taskDef, it.key)! };
    return {
      type: 'change',
      at: it.at,
      hlc: it.row.hlc,
      deviceId: it.row.deviceId,
      fields: it.row.fieldNames ? it.row.fieldNames.split(',') : [],
      changes: values.get(it.row.hlc) ?? [],
    };
  });
  const last = pageItems[pageItems.length - 1];
  return { items, next: merged.length > limit && last ? { at: last.at, key: last.key } : null };
}
