import type { Deal } from '../../../shared/domain/crm.schemas';
import { registerReset } from '../reset';
import type { BoardFilter, StageInfo } from './board.data';

/** What the board showed when it was left: shown again at once when the rep comes back. */
export interface BoardSnapshot {
  readonly pipelineId: string;
  readonly filter: BoardFilter;
  readonly deals: Deal[];
  readonly matched: { total: number; capped: boolean; stages: Readonly<Record<string, StageInfo>> };
  readonly now: number;
}

let last: BoardSnapshot | null = null;
// Deals are customer data: locking forgets the snapshot with the other stores.
registerReset(() => {
  last = null;
});

/**
 * The last board, if any. Coming back to the board (from a deal opened on it, say) paints these
 * deals at once and reads them again behind them (stale while revalidating), instead of an empty
 * board until its first pages have been read.
 */
export function boardSnapshot(): BoardSnapshot | null {
  return last;
}

export function keepBoard(snapshot: BoardSnapshot): void {
  last = snapshot;
}
