import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber } from '../format';
import type { AnyRecord } from './crm.data';
import type { Column } from './list.columns';
import type { RowGroup } from './list.groups';

/**
 * The list as the print stylesheet shows it (and nothing else of the app): a plain table of every
 * loaded row with the chosen columns, grouped like the screen, headed by the view's name and filters.
 */
export function PrintList(props: {
  title: string;
  subtitle: string;
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
          date: formatDate(Date.now()),
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
