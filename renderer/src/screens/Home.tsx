import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Activity, Contact, Deal, Task } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { dayBounds } from '../crm/crm.data';
import { LatestLoads, useRecordsChanged } from '../crm/records.events';
import { ErrorMessage } from '../errors';
import { formatDate, formatDateTime } from '../format';
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

interface HomeData {
  overdue: Task[];
  today: Task[];
  upcoming: Activity[];
  recent: { entity: EntityKind; record: Account | Contact | Deal }[];
  empty: boolean;
}

async function loadHome(): Promise<HomeData> {
  const { start, end } = dayBounds();
  const now = Date.now();
  const [tasks, upcoming, accounts, contacts, deals] = await Promise.all([
    call('tasks.list', {
      filter: { done: false, dueBefore: end },
      sort: { field: 'dueAt', dir: 'asc' },
      limit: 100,
    }),
    call('activities.list', {
      filter: { occurredAfter: now },
      sort: { field: 'occurredAt', dir: 'asc' },
      limit: 50,
    }),
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
  const dated = tasks.items.filter((task) => task.dueAt !== null);
  return {
    overdue: dated.filter((task) => (task.dueAt ?? 0) < start),
    today: dated.filter((task) => (task.dueAt ?? 0) >= start),
    upcoming: upcoming.items.filter((a) => a.kind === 'meeting' || a.kind === 'visit').slice(0, 10),
    recent,
    empty: accounts.total + contacts.total + deals.total === 0,
  };
}

function TaskList({ tasks, empty }: { tasks: Task[]; empty: string }) {
  const { t } = useTranslation();
  if (tasks.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="plain-list">
      {tasks.map((task) => (
        <li key={task.id}>
          <span>{task.title}</span>
          <span className="muted">{t('home.due', { date: formatDate(task.dueAt) })}</span>
        </li>
      ))}
    </ul>
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
          <section className="panel" aria-labelledby="h-overdue">
            <h2 id="h-overdue">{t('home.overdue')}</h2>
            <TaskList tasks={data.overdue} empty={t('home.tasksEmpty')} />
          </section>
          <section className="panel" aria-labelledby="h-today">
            <h2 id="h-today">{t('home.today')}</h2>
            <TaskList tasks={data.today} empty={t('home.tasksEmpty')} />
          </section>
          <section className="panel" aria-labelledby="h-upcoming">
            <h2 id="h-upcoming">{t('home.upcoming')}</h2>
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
