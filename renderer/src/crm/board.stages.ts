import type { Deal } from '../../../shared/domain/crm.schemas';
import type { StageInfo } from './board.data';

type Stages = Readonly<Record<string, StageInfo>>;

function withDeal(info: StageInfo | undefined, deal: Deal, sign: 1 | -1): StageInfo {
  const base = info ?? { total: 0, sums: [], share: 0, cursor: null };
  const sums = base.sums.some((s) => s.currency === deal.currency)
    ? base.sums.map((s) =>
        s.currency === deal.currency ? { ...s, amountMinor: s.amountMinor + sign * deal.amountMinor } : s,
      )
    : [...base.sums, { currency: deal.currency, amountMinor: sign * deal.amountMinor }];
  return {
    ...base,
    total: Math.max(0, base.total + sign),
    share: Math.max(0, base.share + sign),
    sums: sums.filter((s) => s.amountMinor !== 0 || s.currency === deal.currency),
  };
}

/**
 * The columns' counts and sums after the board's own move of a listed deal from its stage to `to`
 * (applied in place: the echo of the board's own write does not read the board again).
 */
export function movedInStages(stages: Stages, deal: Deal, to: string): Stages {
  if (deal.stageId === to) return stages;
  return {
    ...stages,
    [deal.stageId]: withDeal(stages[deal.stageId], deal, -1),
    [to]: withDeal(stages[to], deal, 1),
  };
}

/** The columns after a listed deal left the board (won or lost). */
export function removedFromStages(stages: Stages, deal: Deal): Stages {
  return { ...stages, [deal.stageId]: withDeal(stages[deal.stageId], deal, -1) };
}

/** One page of a column appended, up to its share: ids already listed are skipped (a deal moved while reading). */
export function appendDeals(
  deals: readonly Deal[],
  stageId: string,
  share: number,
  items: readonly Deal[],
): Deal[] {
  const listed = new Set(deals.map((d) => d.id));
  let inStage = deals.filter((d) => d.stageId === stageId).length;
  const added: Deal[] = [];
  for (const d of items)
    if (inStage < share && !listed.has(d.id)) {
      added.push(d);
      inStage++;
    }
  return added.length ? [...deals, ...added] : [...deals];
}
