import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Activity, Contact, Deal, Task } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { dayBounds } from '../crm/crm.data';
import { LatestLoads, useRecordsChanged } from '../crm/records.events';
import { ErrorMessage } from '../errors';
import { formatDateTime } from '../format';
import { TaskItem } from '../crm/TaskItem';
import { useUiStore, type EntityKind } from '../ui.store';

/** Home before any data exists: says what to do first. */
export function EmptyHome() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  return (
    <section className="panel" data-testid="empty-home">
      <h2>{t('home.emptyTitle')}</h2>
      <p>{t('home.emptyIntro')}</p>
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => navigate({ name: 'list', entity: 'account' })}
        >
          {t('home.emptyAddAccount')}
        </button>
        <button type="button" onClick={() => navigate({ name: 'import' })}>
          {t('home.emptyImport')}
        </button>
      </div>
    </section>
  );
}

interface Counted<T> {
  items: T[];
  total: number;
}

interface HomeData {
  overdue: Counted<Task>;
  today: Counted<Task>;
  upcomingTasks: Counted<Task>;
  undated: Counted<Task>;
  upcoming: Activity[];
  recent: { entity: EntityKind; record: Account | Contact | Deal }[];
  empty: boolean;
}

/** Rows per Home section; the heading shows the full count from the same query. */
const SECTION_LIMIT = 25;

async function loadHome(): Promise<HomeData> {
  const { start, end } = dayBounds();
  const now = Date.now();
  const open = (filter: { dueBefore?: number; dueAfter?: number; dueAt?: null }) =>
    call('tasks.list', {
      filter: { done: false, ...filter },
      // Undated tasks have no due time to order by: the newest first.
      sort: filter.dueAt === null ? { field: 'createdAt', dir: 'desc' } : { field: 'dueAt', dir: 'asc' },
      limit: SECTION_LIMIT,
    });
  const planned = (kind: 'visit' | 'meeting') =>
    call('activities.list', {
      filter: { kind, occurredAfter: now },
      sort: { field: 'occurredAt', dir: 'asc' },
      limit: 10,
    });
  // Separate queries per section: one query split in the client would starve "today" behind overdue.
  const [overdue, today, upcomingTasks, undated, visits, meetings, accounts, contacts, deals] =
    await Promise.all([
      open({ dueBefore: start }),
      open({ dueAfter: start, dueBefore: end }),
      open({ dueAfter: end }),
      open({ dueAt: null }),
      planned('visit'),
      planned('meeting'),
      call('accounts.list', { sort: { field: 'updatedAt', dir: 'desc' }, limit: 5 }),
      call('contacts.list', { sort: { field: 'updatedAt', dir: 'desc' }, limit: 5 }),
      call('deals.list', { sort: { field: 'updatedAt', dir: 'desc' }, limit: 5 }),
    ]);
  const recent = [
    ...accounts.items.map((record) => ({ entity: 'account' as const, record })),
    ...contacts.items.map((record) => ({ entity: 'contact' as const, record })),
    ...deals.items.map((record) => ({ entity: 'deal' as const, record })),
  ]
    .sort((a, b) => b.record.updatedAt - a.record.updatedAt)
    .slice(0, 8);
  const counted = (page: { items: Task[]; total: number }) => ({ items: page.items, total: page.total });
  return {
    overdue: counted(overdue),
    today: counted(today),
    upcomingTasks: counted(upcomingTasks),
    undated: counted(undated),
    upcoming: [...visits.items, ...meetings.items].sort((a, b) => a.occurredAt - b.occurredAt).slice(0, 10),
    recent,
    empty:
      accounts.total +
        contacts.total +
        deals.total +
        overdue.total +
        today.total +
        upcomingTasks.total +
        undated.total ===
      0,
  };
}

function TaskSection(props: { id: string; title: string; tasks: Counted<Task>; overdue?: boolean }) {
  const { t } = useTranslation();
  const { items, total } = props.tasks;
  return (
    <section className="panel" aria-labelledby={props.id} data-testid={props.id}>
      <h2 id={props.id}>
        {props.title}{' '}
        <span className="count-badge" data-testid={`${props.id}-count`}>
          {total}
        </span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">{t('home.tasksEmpty')}</p>
      ) : (
        <ul className="plain-list task-list">
          {items.map((task) => (
            <TaskItem key={task.id} task={task} showOverdue={props.overdue} />
          ))}
        </ul>
      )}
      {total > items.length && (
        <p className="muted small">{t('day.moreTasks', { shown: items.length, total })}</p>
      )}
    </section>
  );
}

/** Home: the day's work (today's and overdue tasks, upcoming meetings and visits, recent records). */
export function Home() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const [data, setData] = useState<HomeData | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [loads] = useState(() => new LatestLoads());
  // The shown data stays until the new data arrives, so a refresh never flashes "loading".
  const load = useCallback(
    () =>
      loads.run(
        loadHome,
        (d) => {
          setData(d);
          setError(null);
        },
        (e) => setError(errorInfo(e)),
      ),
    [loads],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useRecordsChanged((change) =>
    change.has('task', 'activity', 'account', 'contact', 'deal') ? load() : undefined,
  );
  return (
    <div className="screen" data-screen="home">
      <h1>{t('home.title')}</h1>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {!data && !error && <p className="muted">{t('app.loading')}</p>}
      {data?.empty && <EmptyHome />}
      {data && !data.empty && (
        <div className="grid-2" data-testid="home-ready">
          <TaskSection id="h-overdue" title={t('home.overdue')} tasks={data.overdue} overdue />
          <TaskSection id="h-today" title={t('home.today')} tasks={data.today} />
          <TaskSection id="h-next" title={t('day.upcomingTasks')} tasks={data.upcomingTasks} />
          {data.undated.total > 0 && (
            <TaskSection id="h-undated" title={t('home.undated')} tasks={data.undated} />
          )}
          <section className="panel" aria-labelledby="h-upcoming">
            <h2 id="h-upcoming">
              {t('home.upcoming')}{' '}
              <button type="button" className="link" onClick={() => navigate({ name: 'agenda' })}>
                {t('day.openAgenda')}
              </button>
            </h2>
            {data.upcoming.length === 0 ? (
              <p className="muted">{t('home.meetingsEmpty')}</p>
            ) : (
              <ul className="plain-list">
                {data.upcoming.map((a) => (
                  <li key={a.id}>
                    <span>
                      {t(`kinds.${a.kind}`)}
                      {a.subject ? ` · ${a.subject}` : ''}
                    </span>
                    <span className="muted">{formatDateTime(a.occurredAt)}</span>
                    {a.outcome && <span className="ok">{a.outcome}</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="panel" aria-labelledby="h-recent">
            <h2 id="h-recent">{t('home.recent')}</h2>
            {data.recent.length === 0 ? (
              <p className="muted">{t('home.recentEmpty')}</p>
            ) : (
              <ul className="plain-list" data-testid="recent">
                {data.recent.map(({ entity, record }) => (
                  <li key={record.id}>
                    <button
                      type="button"
                      className="link"
                      onClick={() => navigate({ name: 'record', entity, id: record.id })}
                    >
                      {record.name}
                    </button>
                    <span className="muted">{t(`entity.${entity}`)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
