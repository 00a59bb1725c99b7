import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type KeyboardEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatMoney, formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { pipelineLabel, stageLabel, usePipelinesStore } from './pipelines.store';
import { LatestLoads, useRecordsChanged } from './records.events';
import { boardSnapshot, keepBoard } from './board.cache';
import {
  BOARD_MAX,
  loadBoard,
  loadStagePage,
  NO_FILTER,
  type BoardFilter,
  type StageInfo,
} from './board.data';
import { appendDeals, movedInStages, removedFromStages } from './board.stages';
import { BoardColumn, type CardHandlers } from './BoardColumn';
import { BoardFilters } from './BoardFilters';
import { CloseDialog } from './board.close';
import { newDealCurrency } from './crm.data';

/**
 * A column's total: its matching deals' amounts per currency (counted in main, not from the cards).
 * An empty column shows zero in `board`, the currency the board's deals are in.
 */
function totals(sums: StageInfo['sums'] | undefined, board: string): string {
  const shown = (sums ?? []).filter((s) => s.amountMinor !== 0);
  if (shown.length === 0) return formatMoney(0, board);
  return shown.map((s) => formatMoney(s.amountMinor, s.currency)).join(' + ');
}

/** The currency most of the board's columns have money in; with none, the one new deals start in. */
function boardCurrency(stages: Readonly<Record<string, StageInfo>>): string {
  const columns = new Map<string, number>();
  for (const info of Object.values(stages))
    for (const s of info.sums)
      if (s.amountMinor !== 0) columns.set(s.currency, (columns.get(s.currency) ?? 0) + 1);
  let best: [string, number] | null = null;
  for (const entry of columns) if (best === null || entry[1] > best[1]) best = entry;
  return best?.[0] ?? newDealCurrency();
}

type Matched = { total: number; capped: boolean; stages: Readonly<Record<string, StageInfo>> };

/** Columns per stage with totals; drag and drop, or Ctrl+Arrow keys on a focused card; won/lost with reason. */
export function BoardScreen() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  // Coming back, the board starts from what it showed (and reads the deals again behind it).
  const [snapshot] = useState(boardSnapshot);
  const [pipelineId, setPipelineId] = useState<string | null>(snapshot?.pipelineId ?? null);
  const [loads] = useState(() => new LatestLoads());
  const [deals, setDeals] = useState<Deal[]>(snapshot?.deals ?? []);
  const [filter, setFilter] = useState<BoardFilter>(snapshot?.filter ?? NO_FILTER);
  const [matched, setMatched] = useState<Matched>(
    snapshot?.matched ?? { total: 0, capped: false, stages: {} },
  );
  // Age in stage counts from when the deals were read; every reload renews it.
  const [now, setNow] = useState(() => snapshot?.now ?? Date.now());
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [announce, setAnnounce] = useState('');
  const [closing, setClosing] = useState<{ deal: Deal; status: 'won' | 'lost' } | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const dragId = useRef<string | null>(null);
  const boardRef = useRef<HTMLDivElement>(null);
  const selectId = useId();

  useEffect(() => {
    usePipelinesStore
      .getState()
      .load()
      .then(
        (p) => setPipelineId((current) => current ?? p[0]?.id ?? null),
        (e: unknown) => setError(errorInfo(e)),
      );
  }, []);
  const stageKey = (pipelines?.find((p) => p.id === pipelineId)?.stages ?? []).map((s) => s.id).join('\n');
  const reloadDeals = useCallback(
    () =>
      pipelineId && stageKey
        ? loads.run(
            () => loadBoard(pipelineId, stageKey.split('\n'), filter),
            (r) => {
              // Pages of the board read before are dropped with it.
              generation.current++;
              pending.current.clear();
              setDeals(r.deals);
              setMatched({ total: r.total, capped: r.capped, stages: r.stages });
              setNow(Date.now());
            },
            (e) => setError(errorInfo(e)),
          )
        : undefined,
    [pipelineId, stageKey, loads, filter],
  );
  // Further pages of a column, read when it scrolls to cards not read yet (one read per column at once).
  const generation = useRef(0);
  const pending = useRef(new Set<string>());
  const loadMore = (stageId: string, wanted: number) => {
    const cursor = matched.stages[stageId]?.cursor;
    if (!pipelineId || !cursor || pending.current.has(stageId)) return;
    pending.current.add(stageId);
    const round = generation.current;
    loadStagePage(pipelineId, stageId, filter, cursor, wanted).then(
      (page) => {
        if (round !== generation.current) return;
        pending.current.delete(stageId);
        const share = matched.stages[stageId]?.share ?? 0;
        setDeals((all) => appendDeals(all, stageId, share, page.items));
        setMatched((m) => {
          const info = m.stages[stageId];
          return info
            ? { ...m, stages: { ...m.stages, [stageId]: { ...info, cursor: page.nextCursor } } }
            : m;
        });
      },
      (e: unknown) => {
        if (round === generation.current) pending.current.delete(stageId);
        setError(errorInfo(e));
      },
    );
  };
  // From a snapshot, the deals are read again once it has painted: their answers would otherwise be
  // parsed before the first frame and hold it back.
  const fromSnapshot = useRef(snapshot !== null);
  useEffect(() => {
    if (!fromSnapshot.current) {
      void reloadDeals();
      return;
    }
    fromSnapshot.current = false;
    let timer = 0;
    const frame = requestAnimationFrame(() => {
      timer = window.setTimeout(() => void reloadDeals(), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    };
  }, [reloadDeals]);
  useEffect(() => {
    if (pipelineId) keepBoard({ pipelineId, filter, deals, matched, now });
  }, [pipelineId, filter, deals, matched, now]);
  // Moves elsewhere (or by sync) reorder whole columns, so the board reads its deals again.
  // Its own moves and closes are applied in place: their echo does not re-read 5,000 deals.
  const ownWrites = useRef(new Set<string>());
  useRecordsChanged((change) => {
    if (!change.has('deal')) return undefined;
    const own = change.onlyAmong('deal', ownWrites.current);
    ownWrites.current.clear();
    return own ? undefined : reloadDeals();
  });

  const pipeline = pipelines?.find((p) => p.id === pipelineId) ?? null;
  const stages = pipeline?.stages ?? [];
  // One pass groups the deals by stage (a board of 5,000 must not filter once per column and render).
  const byStage = useMemo(() => {
    const map = new Map<string, Deal[]>();
    for (const d of deals) {
      const list = map.get(d.stageId);
      if (list) list.push(d);
      else map.set(d.stageId, [d]);
    }
    for (const list of map.values()) list.sort((a, b) => a.position - b.position);
    return map;
  }, [deals]);
  const inStage = useCallback((stageId: string) => byStage.get(stageId) ?? [], [byStage]);

  const move = async (deal: Deal, stageId: string, index: number) => {
    // Shown at once where it will land (between its new neighbours), then replaced by main's answer;
    // a refused move puts the card back.
    const others = inStage(stageId).filter((d) => d.id !== deal.id);
    const at = Math.min(Math.max(0, index), others.length);
    const before = others[at - 1]?.position;
    const after = others[at]?.position;
    const position =
      before === undefined && after === undefined
        ? 0
        : before === undefined
          ? after! - 1
          : after === undefined
            ? before + 1
            : (before + after) / 2;
    setDeals((all) => all.map((d) => (d.id === deal.id ? { ...d, stageId, position } : d)));
    setMatched((m) => ({ ...m, stages: movedInStages(m.stages, deal, stageId) }));
    setFocusId(deal.id);
    try {
      ownWrites.current.add(deal.id);
      const moved = await call('deals.move', { id: deal.id, stageId, index: at });
      setDeals((all) => all.map((d) => (d.id === moved.id ? moved : d)));
      const stage = stages.find((s) => s.id === stageId);
      setAnnounce(
        t('board.moved', { deal: moved.name, stage: stage ? stageLabel(moved.pipelineId, stage, t) : '' }),
      );
    } catch (e) {
      setDeals((all) => all.map((d) => (d.id === deal.id ? deal : d)));
      setMatched((m) => ({ ...m, stages: movedInStages(m.stages, { ...deal, stageId }, deal.stageId) }));
      setError(errorInfo(e));
    }
  };

  const close = async (deal: Deal, status: 'won' | 'lost', reason: string) => {
    setClosing(null);
    try {
      ownWrites.current.add(deal.id);
      await call('deals.update', {
        id: deal.id,
        patch: { status, statusReason: reason.trim() === '' ? null : reason.trim() },
      });
      setDeals((all) => all.filter((d) => d.id !== deal.id));
      setMatched((m) => ({ ...m, total: m.total - 1, stages: removedFromStages(m.stages, deal) }));
      setAnnounce(`${deal.name}: ${t(`dealStatus.${status}`)}`);
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  const onCardKey = (event: KeyboardEvent, deal: Deal) => {
    if (!(event.ctrlKey || event.metaKey)) return;
    const stageIndex = stages.findIndex((s) => s.id === deal.stageId);
    const column = inStage(deal.stageId);
    const index = column.findIndex((d) => d.id === deal.id);
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      const target = stages[stageIndex + (event.key === 'ArrowRight' ? 1 : -1)];
      if (!target) return;
      event.preventDefault();
      // Sideways the card keeps its row: it stays in view, where the end of a long column would
      // scroll that column away from what the rep was looking at.
      void move(deal, target.id, Math.min(index, inStage(target.id).length));
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      const to = index + (event.key === 'ArrowDown' ? 1 : -1);
      if (to < 0 || to >= column.length) return;
      event.preventDefault();
      void move(deal, deal.stageId, to);
    }
  };

  const onDrop = (event: DragEvent, stageId: string, index: number) => {
    event.preventDefault();
    event.stopPropagation();
    const id = dragId.current ?? event.dataTransfer.getData('text/plain');
    dragId.current = null;
    const deal = deals.find((d) => d.id === id);
    if (!deal) return;
    // Within one stage, dropping below itself shifts the target by the card's own slot.
    const column = inStage(stageId);
    const from = column.findIndex((d) => d.id === id);
    void move(deal, stageId, from >= 0 && from < index ? index - 1 : index);
  };

  const handlers: CardHandlers = {
    onOpen: (deal) => navigate({ name: 'record', entity: 'deal', id: deal.id }),
    onKey: onCardKey,
    onDragStart: (e, deal) => {
      dragId.current = deal.id;
      e.dataTransfer.setData('text/plain', deal.id);
      e.dataTransfer.effectAllowed = 'move';
    },
    onDrop,
    onClose: (deal, status) => setClosing({ deal, status }),
    onMore: loadMore,
  };
  // The cards get handlers that never change identity (so memoised cards skip re-rendering on a
  // move) and call the current ones.
  const live = useRef(handlers);
  useLayoutEffect(() => {
    live.current = handlers;
  });
  const [stableHandlers] = useState<CardHandlers>(() => ({
    onOpen: (deal) => live.current.onOpen(deal),
    onKey: (event, deal) => live.current.onKey(event, deal),
    onDragStart: (event, deal) => live.current.onDragStart(event, deal),
    onDrop: (event, stageId, index) => live.current.onDrop(event, stageId, index),
    onClose: (deal, status) => live.current.onClose(deal, status),
    onMore: (stageId, wanted) => live.current.onMore(stageId, wanted),
  }));

  const zeroIn = boardCurrency(matched.stages);
  return (
    <div className="screen board-screen" data-screen="board">
      <div className="screen-head">
        <h1>{t('board.title')}</h1>
        {pipelines && pipelines.length > 1 && (
          <div className="row">
            <label htmlFor={selectId}>{t('board.selectPipeline')}</label>
            <select id={selectId} value={pipelineId ?? ''} onChange={(e) => setPipelineId(e.target.value)}>
              {pipelines.map((p) => (
                <option key={p.id} value={p.id}>
                  {pipelineLabel(p, t)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <p className="muted" id="board-hint">
        {t('board.moveHint')}
      </p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="sr-only" aria-live="polite" data-testid="board-announce">
        {announce}
      </div>
      <BoardFilters filter={filter} onChange={setFilter} />
      {matched.capped && (
        <p role="status" className="notice" data-testid="board-capped">
          {t('deal.boardCapped', { shown: formatNumber(BOARD_MAX), total: formatNumber(matched.total) })}
        </p>
      )}
      <div className="board" ref={boardRef} data-testid="board">
        {stages.map((stage) => {
          const column = inStage(stage.id);
          const info = matched.stages[stage.id];
          // The column lists its share of the matches; the cards below the read ones come page by page.
          const size = Math.max(info?.share ?? 0, column.length);
          return (
            <section
              key={stage.id}
              className="column"
              aria-labelledby={`stage-${stage.id}`}
              data-stage={stage.id}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => onDrop(e, stage.id, column.length)}
            >
              <header className="column-head">
                <h2 id={`stage-${stage.id}`}>{pipeline ? stageLabel(pipeline.id, stage, t) : stage.name}</h2>
                <span className="muted" data-testid={`count-${stage.id}`}>
                  {matched.capped && (info?.total ?? 0) > size
                    ? t('workday.countOf', {
                        shown: formatNumber(size),
                        total: formatNumber(info?.total ?? 0),
                      })
                    : t('board.count', { count: size })}
                </span>
                <span className="column-total" data-testid={`total-${stage.id}`}>
                  {t('board.total', { amount: totals(info?.sums, zeroIn) })}
                </span>
              </header>
              <BoardColumn
                stageId={stage.id}
                deals={column}
                size={size}
                focusId={focusId !== null && column.some((d) => d.id === focusId) ? focusId : null}
                now={now}
                handlers={stableHandlers}
                emptyText={t('board.empty')}
              />
            </section>
          );
        })}
      </div>
      {closing && (
        <CloseDialog
          deal={closing.deal}
          status={closing.status}
          onCancel={() => setClosing(null)}
          onConfirm={(reason) => void close(closing.deal, closing.status, reason)}
        />
      )}
    </div>
  );
}
