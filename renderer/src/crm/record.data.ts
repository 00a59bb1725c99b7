import type { Account, Contact, Deal, Task } from '../../../shared/domain/crm.schemas';
import { call } from '../api';
import type { EntityKind } from '../ui.store';
import { getRecord, type AnyRecord } from './crm.data';
import { linkOf, type TimelineItem } from './record.panels';
import type { RecordsChange } from './records.events';

/** The records shown beside a record: its account, contacts, deals and tasks (done ones too, to reopen). */
export interface Related {
  account: Account | null;
  contacts: Contact[];
  deals: Deal[];
  tasks: Task[];
  /** How many there are in all (the lists show the first `limit`). */
  totals: { contacts: number; deals: number; tasks: number };
}

async function loadRelated(entity: EntityKind, record: AnyRecord, limit: number): Promise<Related> {
  const out: Related = {
    account: null,
    contacts: [],
    deals: [],
    tasks: [],
    totals: { contacts: 0, deals: 0, tasks: 0 },
  };
  const accountId = entity === 'account' ? null : (record as Contact | Deal).accountId;
  if (accountId) out.account = await call('accounts.get', { id: accountId }).catch(() => null);
  if (entity === 'account') {
    const [contacts, deals] = await Promise.all([
      call('contacts.list', { filter: { accountId: record.id }, limit }),
      call('deals.list', { filter: { accountId: record.id }, limit }),
    ]);
    out.contacts = contacts.items;
    out.deals = deals.items;
    out.totals.contacts = contacts.total;
    out.totals.deals = deals.total;
  }
  if (entity === 'deal') {
    // A deal has at most 50 contacts (its schema), so all of them are read.
    const ids = (record as Deal).contactIds;
    out.contacts = (
      await Promise.all(ids.map((id) => call('contacts.get', { id }).catch(() => null)))
    ).filter((c): c is Contact => c !== null);
    out.totals.contacts = ids.length;
  }
  const tasks = await call('tasks.list', { filter: linkOf(entity, record.id), limit });
  out.tasks = tasks.items;
  out.totals.tasks = tasks.total;
  return out;
}

/** Everything a record page shows. */
export interface RecordPage {
  readonly record: AnyRecord;
  readonly related: Related;
  readonly timeline: TimelineItem[];
  /** Older timeline entries exist beyond the ones read. */
  readonly timelineMore: boolean;
}

/** The newest `want` timeline entries, read page by page (a page holds at most 200). */
async function loadTimeline(
  entity: EntityKind,
  id: string,
  want: number,
): Promise<{ items: TimelineItem[]; more: boolean }> {
  const items: TimelineItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: TimelineItem[]; nextCursor: string | null } = await call('timeline.get', {
      entity,
      id,
      limit: Math.min(200, want - items.length),
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < want);
  return { items, more: cursor !== null };
}

/**
 * Reads a record with its related records (`limit` rows per list) and its newest `timelineLimit`
 * timeline entries (`NOT_FOUND` when it was deleted).
 */
export async function loadRecordPage(
  entity: EntityKind,
  id: string,
  limit = 50,
  timelineLimit = 50,
): Promise<RecordPage> {
  const record = await getRecord(entity, id);
  const [related, timeline] = await Promise.all([
    loadRelated(entity, record, limit),
    loadTimeline(entity, id, timelineLimit),
  ]);
  return { record, related, timeline: timeline.items, timelineMore: timeline.more };
}

/**
 * Whether a change can alter what the page of this record shows: the record itself, its activities
 * and tasks (the event does not say which record they link to), or the related records it names.
 */
export function touchesRecordPage(
  change: RecordsChange,
  entity: EntityKind,
  id: string,
  page: RecordPage | null,
): boolean {
  if (change.touches(entity, id) || change.has('activity', 'task')) return true;
  if (!page) return false;
  if (entity === 'account') return change.has('contact', 'deal');
  const { accountId } = page.record as Contact | Deal;
  if (accountId !== null && change.touches('account', accountId)) return true;
  return entity === 'deal' && (page.record as Deal).contactIds.some((id) => change.touches('contact', id));
}
