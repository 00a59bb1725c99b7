import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import type { DashboardQuery, DrillKey } from '../../../shared/reports/dashboard.contract';
import { call, errorInfo } from '../api';
import { stageName, usePipelinesStore } from '../crm/pipelines.store';
import { ErrorMessage } from '../errors';
import { formatDate, formatMoney } from '../format';
import { OwnerName } from '../people/OwnerName';
import { useListsStore } from '../crm/lists.store';
import { useViewsStore } from '../crm/views.store';
import { useUiStore } from '../ui.store';
import { drillListQuery } from './drill.list';

const PAGE = 100;

/** The deals behind one dashboard figure, paged, each opening its record. */
export function DrillList(props: {
  query: DashboardQuery;
  /** The dashboard's owner scope, carried into the deal list ('' for none). */
  scope: string;
  drill: DrillKey;
  label: string;
  onClose: () => void;
  onOpen: (deal: Deal) => void;
}) {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [deals, setDeals] = useState<Deal[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const { query, drill } = props;
  const listQuery = drillListQuery(query, drill, props.scope);
  // The same deals in the deal list, where they can be grouped, saved as a view, exported or printed.
  const openList = () => {
    if (!listQuery) return;
    useViewsStore.getState().setActive('deal', null);
    useListsStore.getState().setView('deal', { query: listQuery, groupBy: null, columns: [] });
    useUiStore.getState().navigate({ name: 'list', entity: 'deal' });
  };

  useEffect(() => {
    let live = true;
    call('reports.drill', { query, key: drill, offset: 0, limit: PAGE }).then(
      (page) => {
        if (!live) return;
        setDeals(page.deals);
        setTotal(page.total);
        setError(null);
      },
      (e: unknown) => live && setError(errorInfo(e)),
    );
    return () => {
      live = false;
    };
  }, [query, drill]);

  const more = async () => {
    try {
      const page = await call('reports.drill', { query, key: drill, offset: deals.length, limit: PAGE });
      setDeals((d) => [...d, ...page.deals]);
      setTotal(page.total);
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  return (
    <section
      className="drill"
      data-testid="dashboard-drill"
      aria-label={t('reports.drillTitle', { label: props.label })}
    >
      <header className="chart-head">
        <h2>{t('reports.drillTitle', { label: props.label })}</h2>
        {total !== null && (
          <span className="muted" data-testid="drill-total">
            {t('reports.dealCount', { count: total })}
          </span>
        )}
        {listQuery && (
          <button type="button" className="link" onClick={openList} data-testid="drill-open-list">
            {t('views.openInList')}
          </button>
        )}
        <button type="button" className="link" onClick={props.onClose}>
          {t('reports.closeDrill')}
        </button>
      </header>
      {error && <ErrorMessage error={error} />}
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('reports.deal')}</th>
            <th scope="col">{t('reports.stage')}</th>
            <th scope="col">{t('reports.amount')}</th>
            <th scope="col">{t('reports.closeDate')}</th>
            <th scope="col">{t('reports.owner')}</th>
          </tr>
        </thead>
        <tbody>
          {deals.map((d) => (
            <tr key={d.id} data-testid="drill-row">
              <th scope="row">
                <button type="button" className="link" onClick={() => props.onOpen(d)}>
                  {d.name}
                </button>
              </th>
              <td>{stageName(pipelines, d.pipelineId, d.stageId, t)}</td>
              <td>{formatMoney(d.amountMinor, d.currency)}</td>
              <td>{formatDate(d.expectedCloseDate)}</td>
              <td>
                <OwnerName owner={d.ownerId} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total !== null && deals.length < total && (
        <button type="button" onClick={() => void more()}>
          {t('reports.more', { count: total - deals.length })}
        </button>
      )}
    </section>
  );
}
