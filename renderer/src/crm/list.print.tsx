import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber } from '../format';
import type { AnyRecord } from './crm.data';
import type { Column } from './list.columns';
import type { RowGroup } from './list.groups';
import { useListsStore } from './lists.store';
import type { EntityKind } from '../ui.store';

/**
 * Printing a list: loads every match (bounded, like a long export), mounts the print sheet, then
 * opens the print dialog; the sheet goes when printing ends. `printedAt` is null while not printing.
 */
export function usePrint(entity: EntityKind): { printedAt: number | null; print: () => void } {
  const [printedAt, setPrintedAt] = useState<number | null>(null);
  useEffect(() => {
    const done = () => setPrintedAt(null);
    window.addEventListener('afterprint', done);
    return () => window.removeEventListener('afterprint', done);
  }, []);
  const print = () => {
    void (async () => {
      const lists = useListsStore.getState();
      for (let n = 0; n < 50 && useListsStore.getState().lists[entity].nextCursor; n++) {
        await lists.loadMore(entity);
      }
      setPrintedAt(Date.now());
      // Let the sheet render before the print dialog snapshots the page.
      requestAnimationFrame(() => requestAnimationFrame(() => window.print()));
    })();
  };
  return { printedAt, print };
}

/**
 * The list as the print stylesheet shows it (and nothing else of the app): a plain table of every
 * loaded row with the chosen columns, grouped like the screen, headed by the view's name and filters.
 */
export function PrintList(props: {
  title: string;
  subtitle: string;
  /** When the print was asked for (epoch ms). */
  printedAt: number;
  columns: readonly Column[];
  records: readonly AnyRecord[];
  groups: readonly RowGroup[] | null;
}) {
  const { t } = useTranslation();
  const { columns } = props;
  const rows = (records: readonly AnyRecord[]) =>
    records.map((r) => (
      <tr key={r.id}>
        {columns.map((c) => (
          <td key={c.key}>{c.render(r)}</td>
        ))}
      </tr>
    ));
  // A sibling of the app root, like the recovery sheet: print shows it alone, without the app's chrome.
  return createPortal(
    <div className="print-list" data-testid="print-list">
      <h1>{props.title}</h1>
      <p className="print-meta">
        {props.subtitle}
        {props.subtitle ? ' · ' : ''}
        {t('views.printedAt', {
          date: formatDate(props.printedAt),
          count: formatNumber(props.records.length),
        })}
      </p>
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        {props.groups ? (
          props.groups.map((g) => (
            <tbody key={g.key}>
              <tr className="print-group">
                <th colSpan={columns.length} scope="colgroup">
                  {g.label} ({formatNumber(g.records.length)})
                </th>
              </tr>
              {rows(g.records)}
            </tbody>
          ))
        ) : (
          <tbody>{rows(props.records)}</tbody>
        )}
      </table>
    </div>,
    document.body,
  );
}
