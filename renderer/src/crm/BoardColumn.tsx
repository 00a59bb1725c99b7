import { memo, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import { formatDate, formatMoney } from '../format';
import { OwnerName } from '../people/OwnerName';
import { accountName, loadAccountNames } from './board.data';
import { useVirtualizer } from './virtual';

/**
 * Estimated card height with its gap (a card with account, amount, close date, owner and age, as
 * rendered at 1280 px); cards are measured once shown. An estimate far from the real height moves
 * every card after the first measurement and renders the column again until it settles.
 */
const CARD_HEIGHT = 168;
const DAY = 24 * 60 * 60 * 1000;

export interface CardHandlers {
  onOpen: (deal: Deal) => void;
  onKey: (event: KeyboardEvent, deal: Deal) => void;
  onDragStart: (event: DragEvent, deal: Deal) => void;
  onDrop: (event: DragEvent, stageId: string, index: number) => void;
  onClose: (deal: Deal, status: 'won' | 'lost') => void;
  /** The column shows cards it has not read yet: read about `wanted` more of its deals. */
  onMore: (stageId: string, wanted: number) => void;
}

/**
 * One card: name, account, amount, close date, owner, age in stage; won/lost in its menu. Memoised:
 * a move re-renders the moved card only (the board passes stable handlers and keeps the other deals'
 * objects). `namesRound` changes when account names arrive.
 */
const DealCard = memo(function DealCard(props: {
  deal: Deal;
  now: number;
  handlers: CardHandlers;
  namesRound: number;
}) {
  const { t } = useTranslation();
  const { deal, handlers } = props;
  const [menu, setMenu] = useState(false);
  const account = accountName(deal.accountId);
  const days = Math.max(0, Math.floor((props.now - (deal.stageChangedAt ?? deal.createdAt)) / DAY));
  return (
    <div
      className="deal-card"
      draggable
      tabIndex={0}
      role="group"
      aria-label={deal.name}
      aria-describedby="board-hint"
      data-deal={deal.id}
      onDragStart={(e) => handlers.onDragStart(e, deal)}
      onKeyDown={(e) => handlers.onKey(e, deal)}
    >
      <button type="button" className="link card-title" onClick={() => handlers.onOpen(deal)}>
        {deal.name}
      </button>
      {account && <span className="card-account">{account}</span>}
      <span className="card-facts">
        <strong>{formatMoney(deal.amountMinor, deal.currency)}</strong>
        {deal.expectedCloseDate && <span>{formatDate(deal.expectedCloseDate)}</span>}
      </span>
      <span className="card-facts muted">
        {deal.ownerId && (
          <span>
            <OwnerName owner={deal.ownerId} />
          </span>
        )}
        <span data-testid="card-age">{t('deal.ageInStage', { count: days })}</span>
      </span>
      <span className="card-menu">
        <button
          type="button"
          className="link"
          aria-haspopup="menu"
          aria-expanded={menu}
          aria-label={`${t('deal.cardActions')} · ${deal.name}`}
          onClick={() => setMenu((m) => !m)}
          data-card-menu={deal.id}
        >
          ⋯
        </button>
        {menu && (
          <span
            role="menu"
            className="card-menu-list"
            onKeyDown={(e) => {
              if (e.key === 'Escape') setMenu(false);
            }}
          >
            <button
              type="button"
              role="menuitem"
              autoFocus
              onClick={() => {
                setMenu(false);
                handlers.onClose(deal, 'won');
              }}
              data-won={deal.id}
            >
              {t('board.markWon')}
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setMenu(false);
                handlers.onClose(deal, 'lost');
              }}
              data-lost={deal.id}
            >
              {t('board.markLost')}
            </button>
          </span>
        )}
      </span>
    </div>
  );
});

/**
 * One stage's cards, virtualised: only the cards in view (plus a few) are in the DOM, so a column
 * of thousands renders and moves as fast as a short one. The column is `size` cards tall; the ones
 * after the read `deals` show as placeholders and are read when they come into view. A card moved by
 * keyboard is scrolled into view and focused.
 */
interface ColumnProps {
  stageId: string;
  deals: Deal[];
  /** Cards the column lists (at least `deals.length`). */
  size: number;
  focusId: string | null;
  now: number;
  handlers: CardHandlers;
  emptyText: string;
}

/**
 * The same column: same props, and the same deal objects in the same order (the board regroups its
 * deals into new arrays on every change; a move so re-renders the two columns it touches only).
 */
function sameColumn(a: ColumnProps, b: ColumnProps): boolean {
  return (
    a.stageId === b.stageId &&
    a.size === b.size &&
    a.focusId === b.focusId &&
    a.now === b.now &&
    a.handlers === b.handlers &&
    a.emptyText === b.emptyText &&
    a.deals.length === b.deals.length &&
    a.deals.every((d, i) => d === b.deals[i])
  );
}

export const BoardColumn = memo(function BoardColumn(props: ColumnProps) {
  'use no memo';
  const { stageId, deals, focusId, handlers } = props;
  const scrollRef = useRef<HTMLUListElement>(null);
  const [namesRound, setNamesLoaded] = useState(0);
  const size = Math.max(props.size, deals.length);
  const virtualizer = useVirtualizer({
    count: size,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CARD_HEIGHT,
    overscan: 6,
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last >= deals.length && deals.length < size) handlers.onMore(stageId, last + 1 - deals.length + 24);
  }, [last, deals.length, size, stageId, handlers]);
  useEffect(() => {
    const shown = deals.slice(first, last + 1).map((d) => d.accountId);
    if (shown.some((id) => id !== null && accountName(id) === undefined))
      void loadAccountNames(shown).then(() => setNamesLoaded((n) => n + 1));
  }, [deals, first, last]);
  const focusIndex = focusId ? deals.findIndex((d) => d.id === focusId) : -1;
  useEffect(() => {
    if (focusIndex < 0) return;
    virtualizer.scrollToIndex(focusIndex, { align: 'auto' });
    const id = focusId;
    const frame = requestAnimationFrame(() =>
      scrollRef.current?.querySelector<HTMLElement>(`[data-deal="${id}"]`)?.focus(),
    );
    return () => cancelAnimationFrame(frame);
  }, [focusIndex, focusId, virtualizer]);
  return (
    <ul className="cards" ref={scrollRef} data-count={size}>
      {size === 0 ? (
        <li className="muted empty-column">{props.emptyText}</li>
      ) : (
        <li className="cards-space" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const deal = deals[item.index];
            if (!deal)
              return (
                <div
                  key={`more-${item.index}`}
                  className="card-item"
                  data-index={item.index}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <div className="card-placeholder" aria-hidden="true" style={{ height: CARD_HEIGHT - 8 }} />
                </div>
              );
            return (
              <div
                key={deal.id}
                className="card-item"
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{ transform: `translateY(${item.start}px)` }}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => handlers.onDrop(e, stageId, item.index)}
              >
                <DealCard deal={deal} now={props.now} handlers={handlers} namesRound={namesRound} />
              </div>
            );
          })}
        </li>
      )}
    </ul>
  );
}, sameColumn);
