import type { Deal } from '../../../shared/domain/crm.schemas';
import { call } from '../api';
import { parseAmountInput } from '../locale.input';
import { registerReset } from '../reset';
import { scopedFilter, scopeOf } from '../people/members.store';

/** The most open deals one board loads; beyond it the board says a filter is needed. */
export const BOARD_MAX = 5000;
/** Deals per list call (the channel's maximum). */
const PAGE = 200;
/** Deals of each stage read to open the board: more than a tall column shows. */
const FIRST_PAGE = 24;

/** What the board shows: whose deals, expected close month and amount range narrow the query. */
export interface BoardFilter {
  /** Whose deals: an `OwnerScope` (everybody, mine, my team, a team, a member). */
  readonly scope?: string;
  /** YYYY-MM, or empty. */
  readonly closeMonth: string;
  /** Major units, as typed (empty: no bound). */
  readonly minAmount: string;
  readonly maxAmount: string;
}

export const NO_FILTER: BoardFilter = { closeMonth: '', minAmount: '', maxAmount: '' };

function monthBounds(month: string): { expectedCloseAfter: string; expectedCloseBefore: string } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const next =
    Number(m[2]) === 12 ? `${year + 1}-01` : `${year}-${String(Number(m[2]) + 1).padStart(2, '0')}`;
  return { expectedCloseAfter: `${month}-01`, expectedCloseBefore: `${next}-01` };
}

/** The board's owner condition: the scope's members (as `ownerIn`), or none for everybody. */
async function ownerFilter(filter: BoardFilter): Promise<{ ownerIn?: string[] }> {
  const scope = scopeOf(filter.scope);
  return scope ? scopedFilter('deal', { scope }) : {};
}

// Typed in the input locale ("1.234,56" in de-DE); an unreadable bound is no bound.
const minor = (text: string): number | null => (text.trim() === '' ? null : parseAmountInput(text));

/** The deals filter a board filter reads (the amount range included: counted and summed in main). */
export async function boardQuery(pipelineId: string, filter: BoardFilter) {
  const bounds = monthBounds(filter.closeMonth);
  const lo = minor(filter.minAmount);
  const hi = minor(filter.maxAmount);
  return {
    pipelineId,
    status: 'open' as const,
    ...(await ownerFilter(filter)),
    ...(bounds ?? {}),
    ...(lo === null ? {} : { amountFrom: lo }),
    // Inclusive upper bound in whole minor units.
    ...(hi === null ? {} : { amountBelow: Math.floor(hi) + 1 }),
  };
}

/**
 * How many deals each stage may load when all of them together may load `max`: every stage gets an
 * equal share, and what a short stage does not use goes to the longer ones (so a capped board still
 * shows every stage, not the first stages full and the last ones empty).
 */
export function stageShares(totals: readonly number[], max: number): number[] {
  const shares = totals.map(() => 0);
  let left = max;
  const open = totals.map((_, i) => i).sort((a, b) => (totals[a] ?? 0) - (totals[b] ?? 0));
  open.forEach((i, k) => {
    const share = Math.min(totals[i] ?? 0, Math.floor(left / (open.length - k)));
    shares[i] = share;
    left -= share;
  });
  return shares;
}

/** One column: its matching deals' count and sums (from main), what it lists, and its next page. */
export interface StageInfo {
  /** Deals of the stage matching the filter. */
  readonly total: number;
  /** Their amounts per currency. */
  readonly sums: readonly { readonly currency: string; readonly amountMinor: number }[];
  /** How many of them the column lists (its share of BOARD_MAX). */
  readonly share: number;
  /** Cursor of the next page to read, or null when the column has read its share. */
  readonly cursor: string | null;
}

export interface BoardLoad {
  readonly deals: Deal[];
  readonly total: number;
  readonly capped: boolean;
  readonly stages: Readonly<Record<string, StageInfo>>;
}

const sort = { field: 'position' as const, dir: 'asc' as const };

/**
 * A board's first read: counts and sums of every stage from one grouped query, and the first page of
 * each stage's deals (enough to fill a column); further pages are read as a column scrolls
 * (`loadStagePage`). A board of 5,000 deals so reads a few dozen deals to open, not all 5,000.
 */
export async function loadBoard(
  pipelineId: string,
  stageIds: readonly string[],
  filter: BoardFilter,
): Promise<BoardLoad> {
  const query = await boardQuery(pipelineId, filter);
  const [summary, ...firsts] = await Promise.all([
    call('deals.sumByStage', { filter: query }),
    ...stageIds.map((stageId) =>
      call('deals.list', { filter: { ...query, stageId }, sort, limit: FIRST_PAGE, count: false }),
    ),
  ]);
  const byId = new Map(summary.stages.map((s) => [s.stageId, s]));
  const totals = stageIds.map((id) => byId.get(id)?.count ?? 0);
  const total = totals.reduce((a, b) => a + b, 0);
  const shares = stageShares(totals, BOARD_MAX);
  const seen = new Set<string>();
  const deals: Deal[] = [];
  const stages: Record<string, StageInfo> = {};
  stageIds.forEach((stageId, i) => {
    const share = shares[i] ?? 0;
    const page = firsts[i];
    let taken = 0;
    for (const d of page?.items ?? [])
      if (taken < share && !seen.has(d.id)) {
        seen.add(d.id);
        deals.push(d);
        taken++;
      }
    stages[stageId] = {
      total: totals[i] ?? 0,
      sums: byId.get(stageId)?.sums ?? [],
      share,
      cursor: taken < share ? (page?.nextCursor ?? null) : null,
    };
  });
  return { deals, total, capped: total > BOARD_MAX, stages };
}

/** The next page of one stage's deals after `cursor` (at most `limit`). */
export async function loadStagePage(
  pipelineId: string,
  stageId: string,
  filter: BoardFilter,
  cursor: string,
  limit: number,
): Promise<{ items: Deal[]; nextCursor: string | null }> {
  const page = await call('deals.list', {
    filter: { ...(await boardQuery(pipelineId, filter)), stageId },
    sort,
    limit: Math.min(PAGE, Math.max(1, limit)),
    cursor,
    count: false,
  });
  return { items: page.items, nextCursor: page.nextCursor };
}

/** Account names by id for the cards that are on screen (read once, kept while the app runs). */
const names = new Map<string, string | null>();
const waiting = new Map<string, Promise<void>>();
// Account names are customer data: locking forgets them with the other stores.
registerReset(() => names.clear());

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
