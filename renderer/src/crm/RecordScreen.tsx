import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatMoney } from '../format';
import { useUiStore, type EntityKind } from '../ui.store';
import { type AnyRecord } from './crm.data';
import { DuplicatesPanel } from './DuplicatesPanel';
import { currencyOf, recordFields } from './fields';
import { stageName, usePipelinesStore } from './pipelines.store';
import { loadRecordPage, touchesRecordPage, type RecordPage } from './record.data';
import { PlanActivity } from '../agenda/PlanActivity';
import { DealPanel } from './DealPanel';
import { CustomFieldsPanel } from './CustomFieldsPanel';
import { AddTask, linkOf, Timeline } from './record.panels';
import { TaskItem } from './TaskItem';
import { LatestLoads, useRecordsChanged } from './records.events';
import { OwnerField } from '../people/OwnerField';
import { AccountField, InlineField } from './record.fields';

/** "n of total" and a button for the next page of a related list. */
function MoreRelated(props: { shown: number; total: number; onMore: () => void }) {
  const { t } = useTranslation();
  if (props.total <= props.shown) return null;
  return (
    <p className="muted small">
      {t('day.moreTasks', { shown: props.shown, total: props.total })}{' '}
      <button type="button" className="link" onClick={props.onMore} data-testid="related-more">
        {t('day.more')}
      </button>
    </p>
  );
}

/** One account, contact or deal: inline-editable fields, related records, timeline, add activity/task. */
export function RecordScreen({ entity, id }: { entity: EntityKind; id: string }) {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [page, setPage] = useState<RecordPage | null>(null);
  const [gone, setGone] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [loads] = useState(() => new LatestLoads());
  /** Rows per related list (contacts, deals, tasks); "More" adds a page. */
  const [limit, setLimit] = useState(50);
  /** Timeline entries shown; "Show older" adds a page instead of stopping silently at the newest. */
  const [timelineLimit, setTimelineLimit] = useState(50);

  const refresh = useCallback(
    () =>
      loads.run(
        () => loadRecordPage(entity, id, limit, timelineLimit),
        (next) => {
          setPage(next);
          setGone(false);
        },
        (e) => {
          const info = errorInfo(e);
          // Deleted here, in another window or on another device: say so instead of showing stale data.
          if (info.code === 'NOT_FOUND') {
            setPage(null);
            setGone(true);
          } else setError(info);
        },
      ),
    [entity, id, loads, limit, timelineLimit],
  );
  useEffect(() => {
    void usePipelinesStore
      .getState()
      .load()
      .catch(() => undefined);
    void refresh();
  }, [refresh]);
  useRecordsChanged((change) => (touchesRecordPage(change, entity, id, page) ? refresh() : undefined));

  const saved = (record: AnyRecord) => {
    setPage((p) => p && { ...p, record });
    void refresh();
  };
  if (gone || !page) {
    return (
      <div className="screen">
        <div className="screen-head">
          <button type="button" className="link" onClick={() => navigate({ name: 'list', entity })}>
            ← {t('record.back')}
          </button>
        </div>
        <h1>{t(`entity.${entity}`)}</h1>
        {gone ? (
          <p role="status" data-testid="record-gone">
            {t('record.notFound')}
          </p>
        ) : error ? (
          <ErrorMessage error={error} />
        ) : (
          <p className="muted">{t('app.loading')}</p>
        )}
      </div>
    );
  }
  const { record, related, timeline } = page;
  const deal = entity === 'deal' ? (record as Deal) : null;
  return (
    <div className="screen record-screen" data-screen={`record-${entity}`}>
      <div className="screen-head">
        <button type="button" className="link" onClick={() => navigate({ name: 'list', entity })}>
          ← {t('record.back')}
        </button>
      </div>
      <div className="screen-head">
        <h1 data-testid="record-title">{record.name}</h1>
        <span className="badge">{t(`entity.${entity}`)}</span>
        {deal && (
          <span className="badge" data-testid="deal-stage">
            {stageName(pipelines, deal.pipelineId, deal.stageId, t)} · {t(`dealStatus.${deal.status}`)}
          </span>
        )}
      </div>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {entity !== 'deal' && <DuplicatesPanel kind={entity} record={record} onMerged={() => void refresh()} />}
      <div className="record-grid">
        <div>
          <section className="panel" aria-label={t(`entity.${entity}`)}>
            <dl className="fields">
              {recordFields[entity].map((field) =>
                field.input === 'member' ? (
                  <OwnerField
                    key={field.name}
                    entity={entity}
                    field={field.name}
                    record={record}
                    onSaved={saved}
                  />
                ) : (
                  <InlineField
                    key={field.name}
                    entity={entity}
                    field={field}
                    record={record}
                    onSaved={saved}
                  />
                ),
              )}
              {entity !== 'account' && (
                <AccountField entity={entity} record={record} account={related.account} onSaved={saved} />
              )}
            </dl>
          </section>
          <CustomFieldsPanel entity={entity} record={record} onSaved={saved} />
          {deal && <DealPanel deal={deal} contacts={related.contacts} onSaved={() => void refresh()} />}
          <PlanActivity
            link={linkOf(entity, record.id)}
            heading={t('record.addActivity')}
            onDone={() => void refresh()}
          />
          <AddTask entity={entity} id={record.id} onDone={() => void refresh()} />
        </div>
        <div>
          <section className="panel" aria-labelledby="related-h">
            <h2 id="related-h">{t('record.related')}</h2>
            {related.account && (
              <p>
                {t('entity.account')}:{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    navigate({ name: 'record', entity: 'account', id: related.account?.id ?? '' })
                  }
                >
                  {related.account.name}
                </button>
              </p>
            )}
            {!deal && related.contacts.length > 0 && (
              <>
                <h3>
                  {t('record.contacts')} <span className="count-badge">{related.totals.contacts}</span>
                </h3>
                <ul className="plain-list">
                  {related.contacts.map((c) => (
                    <li key={c.id}>
                      <button
                        type="button"
                        className="link"
                        onClick={() => navigate({ name: 'record', entity: 'contact', id: c.id })}
                      >
                        {c.name}
                      </button>
                      <span className="muted">{c.title ?? ''}</span>
                    </li>
                  ))}
                </ul>
                <MoreRelated
                  shown={related.contacts.length}
                  total={related.totals.contacts}
                  onMore={() => setLimit((n) => Math.min(200, n + 50))}
                />
              </>
            )}
            {related.deals.length > 0 && (
              <>
                <h3>
                  {t('record.deals')} <span className="count-badge">{related.totals.deals}</span>
                </h3>
                <ul className="plain-list">
                  {related.deals.map((d) => (
                    <li key={d.id}>
                      <button
                        type="button"
                        className="link"
                        onClick={() => navigate({ name: 'record', entity: 'deal', id: d.id })}
                      >
                        {d.name}
                      </button>
                      <span className="muted">{formatMoney(d.amountMinor, d.currency)}</span>
                    </li>
                  ))}
                </ul>
                <MoreRelated
                  shown={related.deals.length}
                  total={related.totals.deals}
                  onMore={() => setLimit((n) => Math.min(200, n + 50))}
                />
              </>
            )}
            <h3>
              {t('record.tasks')} <span className="count-badge">{related.totals.tasks}</span>
            </h3>
            {related.tasks.length > 0 ? (
              <>
                <ul className="plain-list task-list" data-testid="record-tasks">
                  {related.tasks.map((task) => (
                    <TaskItem key={task.id} task={task} showOverdue />
                  ))}
                </ul>
                <MoreRelated
                  shown={related.tasks.length}
                  total={related.totals.tasks}
                  onMore={() => setLimit((n) => Math.min(200, n + 50))}
                />
              </>
            ) : (
              <p className="muted">{t('record.none')}</p>
            )}
          </section>
          <section className="panel" aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t('record.timeline')}</h2>
            <Timeline items={timeline} currency={currencyOf(record)} />
            {page.timelineMore && (
              <button
                type="button"
                className="link"
                onClick={() => setTimelineLimit((n) => n + 50)}
                data-testid="timeline-more"
              >
                {t('record.timelineMore')}
              </button>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}
