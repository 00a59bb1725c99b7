import type { Deal } from '../../../shared/domain/crm.schemas';
import { call } from '../api';
import { parseAmountInput } from '../locale.input';
import { registerReset } from '../reset';
import { memberOfOwner, ownerValuesOf } from '../../../shared/people/members';
import { membersNow, scopedFilter, scopeOf } from '../people/members.store';

/** The most open deals one board loads; beyond it the board says a filter is needed. */
export const BOARD_MAX = 5000;
/** Deals per list call (the channel's maximum). */
const PAGE = 200;

/** What the board shows: owner and expected close month narrow the query, amount the loaded deals. */
export interface BoardFilter {
  /** An owner as typed or picked: matches that member's id and names, or the text, case-insensitively. */
  readonly ownerId: string;
  /** '', 'mine' or 'team' ("My records", "My team"). */
  readonly scope?: string;
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

/** The board's owner condition: a scope's members, else the typed or picked owner (as `ownerIn`). */
async function ownerFilter(filter: BoardFilter): Promise<{ ownerIn?: string[] }> {
  const scope = scopeOf(filter.scope);
  if (scope) return scopedFilter('deal', { scope });
  const typed = filter.ownerId.trim();
  if (!typed) return {};
  const member = memberOfOwner((await membersNow()).members, typed);
  return { ownerIn: [...new Set([typed.toLowerCase(), ...(member ? ownerValuesOf([member]) : [])])] };
}

// Typed in the input locale ("1.234,56" in de-DE); an unreadable bound is no bound.
const minor = (text: string): number | null => (text.trim() === '' ? null : parseAmountInput(text));

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

/**
 * Open deals of a pipeline matching the filter, up to BOARD_MAX; `total` counts all matches.
 * Read stage by stage in board order: one stage's deals by position walk the (pipeline, stage,
 * position) index, where one query over the whole pipeline sorted every open deal again for each
 * page (25 pages of 5,000 deals: about 150 ms in main alone).
 */
export async function loadBoard(
  pipelineId: string,
  stageIds: readonly string[],
  filter: BoardFilter,
): Promise<{ deals: Deal[]; total: number; capped: boolean; stageTotals: Record<string, number> }> {
  const bounds = monthBounds(filter.closeMonth);
  const query = {
    pipelineId,
    status: 'open' as const,
    ...(await ownerFilter(filter)),
    ...(bounds ?? {}),
  };
  const sort = { field: 'position' as const, dir: 'asc' as const };
  // The first page of every stage counts its matches; the rest are read at once by offset (in
  // parallel, not one round trip after another).
  const firsts = await Promise.all(
    stageIds.map((stageId) =>
      call('deals.list', { filter: { ...query, stageId }, sort, limit: PAGE, count: true }),
    ),
  );
  const totals = firsts.map((f) => f.total);
  const total = totals.reduce((a, b) => a + b, 0);
  const shares = stageShares(totals, BOARD_MAX);
  const rest = await Promise.all(
    stageIds.map((stageId, i) =>
      Promise.all(
        Array.from({ length: Math.max(0, Math.ceil((shares[i] ?? 0) / PAGE) - 1) }, (_, k) =>
          call('deals.list', {
            filter: { ...query, stageId },
            sort,
            limit: PAGE,
            offset: (k + 1) * PAGE,
            count: false,
          }),
        ),
      ),
    ),
  );
  // A deal moved while the pages are read could show twice (first copy kept) or be missed; the move
  // announces itself (records.changed), which reads the board again.
  const seen = new Set<string>();
  const out: Deal[] = [];
  stageIds.forEach((_, i) => {
    let taken = 0;
    for (const page of [firsts[i]!, ...(rest[i] ?? [])])
      for (const d of page.items)
        if (taken < (shares[i] ?? 0) && !seen.has(d.id)) {
          seen.add(d.id);
          out.push(d);
          taken++;
        }
  });
  const lo = minor(filter.minAmount);
  const hi = minor(filter.maxAmount);
  const deals = out.filter(
    (d) => (lo === null || d.amountMinor >= lo) && (hi === null || d.amountMinor <= hi),
  );
  const stageTotals = Object.fromEntries(stageIds.map((id, i) => [id, totals[i] ?? 0]));
  return { deals, total, capped: total > BOARD_MAX, stageTotals };
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
