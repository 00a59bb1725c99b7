import type { Deal } from '../../../shared/domain/crm.schemas';
import { call } from '../api';
import { registerReset } from '../reset';

/** The most open deals one board loads; beyond it the board says a filter is needed. */
export const BOARD_MAX = 5000;
/** Deals per list call (the channel's maximum). */
const PAGE = 200;

/** What the board shows: owner and expected close month narrow the query, amount the loaded deals. */
export interface BoardFilter {
  readonly ownerId: string;
  /** YYYY-MM, or empty. */
  readonly closeMonth: string;
  /** Major units, as typed (empty: no bound). */
  readonly minAmount: string;
  readonly maxAmount: string;
}

export const NO_FILTER: BoardFilter = { ownerId: '', closeMonth: '', minAmount: '', maxAmount: '' };

function monthBounds(month: string): { expectedCloseAfter: string; expectedCloseBefore: string } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const next =
    Number(m[2]) === 12 ? `${year + 1}-01` : `${year}-${String(Number(m[2]) + 1).padStart(2, '0')}`;
  return { expectedCloseAfter: `${month}-01`, expectedCloseBefore: `${next}-01` };
}

const minor = (text: string): number | null => {
  const n = Number(text.replace(',', '.'));
  return text.trim() === '' || !Number.isFinite(n) ? null : Math.round(n * 100);
};

/** Open deals of a pipeline matching the filter, up to BOARD_MAX; `total` counts all matches. */
export async function loadBoard(
  pipelineId: string,
  filter: BoardFilter,
): Promise<{ deals: Deal[]; total: number; capped: boolean }> {
  const bounds = monthBounds(filter.closeMonth);
  const query = {
    pipelineId,
    status: 'open' as const,
    ...(filter.ownerId.trim() ? { ownerId: filter.ownerId.trim() } : {}),
    ...(bounds ?? {}),
  };
  const sort = { field: 'position' as const, dir: 'asc' as const };
  // The first page counts the matches; the rest are read at once by offset (in parallel, not one
  // round trip after another: 5,000 deals are 25 pages).
  const first = await call('deals.list', { filter: query, sort, limit: PAGE });
  const total = first.total;
  const wanted = Math.min(total, BOARD_MAX);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, Math.ceil(wanted / PAGE) - 1) }, (_, k) =>
      call('deals.list', { filter: query, sort, limit: PAGE, offset: (k + 1) * PAGE, count: false }),
    ),
  );
  // A deal moved while the pages are read could show twice (first copy kept) or be missed; the move
  // announces itself (records.changed), which reads the board again.
  const seen = new Set<string>();
  const out: Deal[] = [];
  for (const page of [first, ...rest])
    for (const d of page.items)
      if (!seen.has(d.id)) {
        seen.add(d.id);
        out.push(d);
      }
  const lo = minor(filter.minAmount);
  const hi = minor(filter.maxAmount);
  const deals = out
    .slice(0, BOARD_MAX)
    .filter((d) => (lo === null || d.amountMinor >= lo) && (hi === null || d.amountMinor <= hi));
  return { deals, total, capped: total > BOARD_MAX };
}

/** Account names by id for the cards that are on screen (read once, kept while the app runs). */
const names = new Map<string, string | null>();
const waiting = new Map<string, Promise<void>>();

export function accountName(id: string | null): string | null | undefined {
  return id === null ? null : names.get(id);
}

/** Reads the names not known yet; resolves when they are. */
export function loadAccountNames(ids: readonly (string | null)[]): Promise<void> {
  const missing = [...new Set(ids.filter((id): id is string => id !== null && !names.has(id)))];
  return Promise.all(
    missing.map((id) => {
      let p = waiting.get(id);
      if (!p) {
        p = call('accounts.get', { id }).then(
          (a) => void names.set(id, a.name),
          () => void names.set(id, null),
        );
        waiting.set(id, p);
        void p.finally(() => waiting.delete(id));
      }
      return p;
    }),
  ).then(() => undefined);
}

/** Forgets the names (an account was renamed or the vault locked). */
export function forgetAccountNames(): void {
  names.clear();
  waiting.clear();
}

// Account names are customer text: a lock drops them with every store.
registerReset(forgetAccountNames);
