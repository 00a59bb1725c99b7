import { useEffect, useEffectEvent } from 'react';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { EventPayload } from '../../../shared/ipc/contract';
import { api } from '../api';
import { registerReset } from '../reset';
import { usePipelinesStore } from './pipelines.store';

type ChangeEntry = EventPayload<'records.changed'>['changes'][number];

/** Past this many ids of one kind in one burst, the burst counts as "everything of that kind". */
const MAX_TRACKED_IDS = 5_000;
/** A burst ends after this much quiet... */
const QUIET_MS = 200;
/** ...or this long after its first event, so a long stream of own writes refreshes twice a second. */
const MAX_WAIT_MS = 500;
/**
 * A burst of pulled changes only (a sync, a bootstrap's pages) waits longer: each refresh is a list
 * read main answers between pages, so a long pull refreshes every two seconds, and a colleague's
 * single edit shows half a second after it lands.
 */
const REMOTE_QUIET_MS = 500;
const REMOTE_MAX_WAIT_MS = 2_000;
/** A listener that has not settled by then no longer holds back the next refresh. */
const LISTENER_TIMEOUT_MS = 10_000;

/** What changed since the last refresh: the union of a burst of `records.changed` events. */
export class RecordsChange {
  private readonly byKind = new Map<EntityKind, Set<string> | 'all'>();

  add(entry: Pick<ChangeEntry, 'entity' | 'ids' | 'truncated'>): void {
    const known = this.byKind.get(entry.entity);
    if (known === 'all') return;
    if (entry.truncated || (known?.size ?? 0) + entry.ids.length > MAX_TRACKED_IDS) {
      this.byKind.set(entry.entity, 'all');
      return;
    }
    const ids = known ?? new Set<string>();
    for (const id of entry.ids) ids.add(id);
    this.byKind.set(entry.entity, ids);
  }

  /** True when any record of one of these kinds changed. */
  has(...entities: EntityKind[]): boolean {
    return entities.some((entity) => this.byKind.has(entity));
  }

  /** True when nothing changed but some of `ids` of this kind (a screen's own write coming back). */
  onlyAmong(entity: EntityKind, ids: ReadonlySet<string>): boolean {
    const known = this.byKind.get(entity);
    if (this.byKind.size !== 1 || known === undefined || known === 'all') return false;
    for (const id of known) if (!ids.has(id)) return false;
    return true;
  }

  /** True when the record may have changed: its id is listed, or the change of its kind was truncated. */
  touches(entity: EntityKind, id: string): boolean {
    const known = this.byKind.get(entity);
    return known === 'all' || (known?.has(id) ?? false);
  }
}

/** Called once per burst; a returned promise holds the next refresh back until it settles. */
export type RecordsListener = (change: RecordsChange) => void | Promise<unknown>;

const listeners = new Set<RecordsListener>();
let pending: RecordsChange | null = null;
let firstAt = 0;
/** Whether the pending burst holds a change made on this device (it then refreshes sooner). */
let pendingLocal = false;
let timer: ReturnType<typeof setTimeout> | null = null;
let running = false;

function schedule(): void {
  if (running) return;
  if (timer !== null) clearTimeout(timer);
  const [quiet, max] = pendingLocal ? [QUIET_MS, MAX_WAIT_MS] : [REMOTE_QUIET_MS, REMOTE_MAX_WAIT_MS];
  const wait = Math.min(quiet, Math.max(0, firstAt + max - Date.now()));
  timer = setTimeout(() => void flush(), wait);
}

function settled(result: void | Promise<unknown>): Promise<unknown> {
  if (!result) return Promise.resolve();
  let timeout: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise((resolve) => (timeout = setTimeout(resolve, LISTENER_TIMEOUT_MS)));
  return Promise.race([result.catch(() => undefined), limit]).finally(() => clearTimeout(timeout));
}

async function flush(): Promise<void> {
  timer = null;
  const change = pending;
  pending = null;
  pendingLocal = false;
  if (!change) return;
  running = true;
  try {
    // Screens refresh one burst at a time: a slow query never piles up behind newer ones.
    await Promise.all(
      [...listeners].map((listener) => {
        try {
          return settled(listener(change));
        } catch {
          return Promise.resolve();
        }
      }),
    );
  } finally {
    running = false;
    if (pending) schedule();
  }
}

function note(
  entries: readonly Pick<ChangeEntry, 'entity' | 'ids' | 'truncated'>[],
  origin: 'local' | 'remote',
): void {
  if (!pending) {
    pending = new RecordsChange();
    firstAt = Date.now();
  }
  if (origin === 'local') pendingLocal = true;
  for (const entry of entries) pending.add(entry);
  schedule();
}

/**
 * Records this window wrote itself, for screens other than the one that wrote. It joins the same
 * burst as main's `records.changed` for that write, so the two cause one refresh, not two.
 */
export function noteLocalChange(entity: EntityKind, ids: readonly string[]): void {
  note([{ entity, ids: [...ids], truncated: false }], 'local');
}

/** Registers a listener for coalesced changes; returns its removal. */
export function onRecordsChanged(listener: RecordsListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Calls `onChange` (latest render's version) for each coalesced burst while the component is mounted. */
export function useRecordsChanged(onChange: RecordsListener): void {
  const handle = useEffectEvent(onChange);
  useEffect(() => onRecordsChanged((change) => handle(change)), []);
}

/**
 * Follows `records.changed` pushed by main (this window's and other windows' edits, pulled sync
 * pages). Pipelines are shared by lists and the board, so their store refreshes here.
 */
export function subscribeRecords(): () => void {
  const offPipelines = onRecordsChanged((change) => {
    if (!change.has('pipeline') || usePipelinesStore.getState().pipelines === null) return;
    return usePipelinesStore.getState().reload();
  });
  const offEvent = api.on('records.changed', (payload) => note(payload.changes, payload.origin));
  return () => {
    offEvent();
    offPipelines();
  };
}

registerReset(() => {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  pending = null;
  pendingLocal = false;
});

/**
 * Orders the overlapping loads of one screen (first load, own saves, change bursts): a result or
 * failure is applied unless a later-started load was applied already.
 */
export class LatestLoads {
  private started = 0;
  private applied = 0;

  async run<T>(
    load: () => Promise<T>,
    apply: (value: T) => void,
    fail: (error: unknown) => void,
  ): Promise<void> {
    const n = ++this.started;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await load() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (n < this.applied) return;
    this.applied = n;
    if (outcome.ok) apply(outcome.value);
    else fail(outcome.error);
  }
}
