import type { DigestItem } from '../../../shared/reports/digest.contract';

/** One change of a deal's stage or status, from the op log. */
export interface DealChange {
  readonly dealId: string;
  /** The op's wall-clock time (its HLC). */
  readonly at: number;
  readonly stageId: string | null;
  readonly status: string | null;
}

/** What the digest shows of a deal now. */
export interface DigestDeal {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string | null;
  readonly pipelineId: string;
  readonly stageId: string;
  readonly status: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly expectedCloseDate: string | null;
  readonly createdAt: number;
}

/**
 * The week's pipeline changes: deals created, moved between stages (from the stage it was in before
 * the move), won, lost, and slipped (still open, expected close day passed inside the week). Each
 * deal's changes are read in HLC order, so the "from" stage is the one in force just before.
 */
export function weeklyDigest(
  deals: ReadonlyMap<string, DigestDeal>,
  changes: readonly DealChange[],
  range: {
    readonly from: number;
    readonly to: number;
    readonly fromDay: string;
    readonly toDay: string;
    readonly today: string;
  },
  members: ReadonlySet<string> | null,
): DigestItem[] {
  const items: DigestItem[] = [];
  const include = (d: DigestDeal) => !members || (d.ownerId !== null && members.has(d.ownerId));
  const item = (
    d: DigestDeal,
    kind: DigestItem['kind'],
    at: number,
    extra: Partial<DigestItem> = {},
  ): DigestItem => ({
    kind,
    dealId: d.id,
    name: d.name,
    ownerId: d.ownerId,
    pipelineId: d.pipelineId,
    amountMinor: d.amountMinor,
    currency: d.currency,
    at,
    fromStageId: null,
    toStageId: null,
    ...extra,
  });
  for (const d of deals.values()) {
    if (!include(d)) continue;
    if (d.createdAt >= range.from && d.createdAt < range.to) items.push(item(d, 'new', d.createdAt));
    const close = d.expectedCloseDate;
    const lastDay = range.today < range.toDay ? range.today : range.toDay;
    if (d.status === 'open' && close !== null && close >= range.fromDay && close < lastDay) {
      items.push(item(d, 'slipped', Date.parse(`${close}T00:00:00Z`)));
    }
  }
  let current: string | null = null;
  let stage: string | null = null;
  for (const c of changes) {
    if (c.dealId !== current) {
      current = c.dealId;
      stage = null;
    }
    const d = deals.get(c.dealId);
    const inWeek = c.at >= range.from && c.at < range.to;
    if (d && inWeek && include(d)) {
      if (c.stageId !== null && stage !== null && c.stageId !== stage) {
        items.push(item(d, 'moved', c.at, { fromStageId: stage, toStageId: c.stageId }));
      }
      if (c.status === 'won' || c.status === 'lost') items.push(item(d, c.status, c.at));
    }
    if (c.stageId !== null) stage = c.stageId;
  }
  return items.sort((a, b) => a.at - b.at || a.dealId.localeCompare(b.dealId));
}
