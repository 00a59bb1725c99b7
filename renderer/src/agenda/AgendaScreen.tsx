import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Activity, Task } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { download } from '../crm/crm.data';
import { LatestLoads, useRecordsChanged } from '../crm/records.events';
import { TaskItem } from '../crm/TaskItem';
import { ErrorMessage } from '../errors';
import { formatDate } from '../format';
import { ActivityItem } from './ActivityItem';
import { PlanActivity } from './PlanActivity';
import { addDays, dateInput, kindLabels, startOfDay, startOfWeek } from './time';
import { scopedFilter, type OwnerScope } from '../people/members.store';
import { OwnerScopeSelect } from '../people/OwnerScope';

type View = 'day' | 'week';

interface AgendaData {
  activities: Activity[];
  tasks: Task[];
  /** Matches beyond the loaded page (a busy range says so instead of cutting silently). */
  more: number;
}

/** Items per kind loaded for one range. */
const RANGE_LIMIT = 200;

async function loadAgenda(from: number, to: number, scope: OwnerScope): Promise<AgendaData> {
  // "My records" / "My team": activities their members wrote, tasks assigned to them.
  const [actScope, taskScope] = await Promise.all([
    scopedFilter('activity', { scope }),
    scopedFilter('task', { scope }),
  ]);
  const [acts, tasks] = await Promise.all([
    call('activities.list', {
      filter: { ...actScope, occurredAfter: from, occurredBefore: to },
      sort: { field: 'occurredAt', dir: 'asc' },
      limit: RANGE_LIMIT,
    }),
    call('tasks.list', {
      filter: { ...taskScope, dueAfter: from, dueBefore: to },
      sort: { field: 'dueAt', dir: 'asc' },
      limit: RANGE_LIMIT,
    }),
  ]);
  return {
    activities: acts.items,
    tasks: tasks.items,
    more: acts.total - acts.items.length + (tasks.total - tasks.items.length),
  };
}

/** The agenda: visits, meetings, calls and due tasks of one day or week, with planning and ICS export. */
export function AgendaScreen() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<View>('week');
  const [anchor, setAnchor] = useState(() => Date.now());
  const [data, setData] = useState<AgendaData | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  /** The moment the plan form starts at (null: closed). */
  const [planAt, setPlanAt] = useState<number | null>(null);
  const [loads] = useState(() => new LatestLoads());
  const [scope, setScope] = useState<OwnerScope>('');
  const from = view === 'day' ? startOfDay(anchor) : startOfWeek(anchor);
  const days = view === 'day' ? 1 : 7;
  const to = addDays(from, days);

  const load = useCallback(
    () =>
      loads.run(
        () => loadAgenda(from, to, scope),
        (d) => {
          setData(d);
          setError(null);
        },
        (e) => setError(errorInfo(e)),
      ),
    [loads, from, to, scope],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useRecordsChanged((change) => (change.has('activity', 'task') ? load() : undefined));

  const dayStarts = Array.from({ length: days }, (_, k) => addDays(from, k));
  const weekday = new Intl.DateTimeFormat(i18n.language || 'en', { weekday: 'long' });
  const exportRange = async () => {
    try {
      // The file holds what the screen shows: the same owner scope, named after the local first day.
      const [actScope, taskScope] = await Promise.all([
        scopedFilter('activity', { scope }),
        scopedFilter('task', { scope }),
      ]);
      download(
        await call('agenda.exportIcs', {
          from,
          to,
          ...actScope,
          ...taskScope,
          day: dateInput(from),
          kindLabels: kindLabels(t),
        }),
      );
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <div className="screen agenda-screen" data-screen="agenda">
      <div className="screen-head">
        <h1>{t('day.agenda')}</h1>
        <div className="row" role="group" aria-label={t('day.view')}>
          {(['day', 'week'] as const).map((v) => (
            <button
              key={v}
              type="button"
              aria-pressed={view === v}
              className={view === v ? 'primary' : undefined}
              onClick={() => setView(v)}
              data-view={v}
            >
              {t(`day.${v}`)}
            </button>
          ))}
        </div>
        <OwnerScopeSelect value={scope} onChange={setScope} />
        <div className="row" role="group" aria-label={t('day.navigate')}>
          <button
            type="button"
            onClick={() => setAnchor(addDays(from, -days))}
            aria-label={t('day.previous')}
          >
            ‹
          </button>
          <button type="button" onClick={() => setAnchor(Date.now())}>
            {t('day.today')}
          </button>
          <button type="button" onClick={() => setAnchor(addDays(from, days))} aria-label={t('day.next')}>
            ›
          </button>
        </div>
        <span className="muted" data-testid="agenda-range">
          {days === 1 ? formatDate(from) : `${formatDate(from)} – ${formatDate(addDays(from, 6))}`}
        </span>
        <button
          type="button"
          onClick={() => setPlanAt(planAt === null ? Math.max(Date.now(), from + 9 * 60 * 60 * 1000) : null)}
          aria-expanded={planAt !== null}
          data-testid="plan-open"
        >
          {t('day.plan')}
        </button>
        <button type="button" onClick={() => void exportRange()} data-testid="agenda-ics">
          {t('day.exportIcs')}
        </button>
      </div>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {planAt !== null && (
        <PlanActivity key={planAt} heading={t('day.plan')} defaultAt={planAt} onDone={() => void load()} />
      )}
      {!data && !error && <p className="muted">{t('app.loading')}</p>}
      {data && data.more > 0 && (
        <p role="status" className="notice">
          {t('day.rangeBusy', { count: data.more })}
        </p>
      )}
      {data && (
        <div className={view === 'week' ? 'agenda-week' : 'agenda-day'} data-testid="agenda">
          {dayStarts.map((start) => {
            const end = addDays(start, 1);
            const acts = data.activities.filter((a) => a.occurredAt >= start && a.occurredAt < end);
            const tasks = data.tasks.filter((x) => x.dueAt !== null && x.dueAt >= start && x.dueAt < end);
            return (
              <section
                key={start}
                className="panel agenda-day-panel"
                aria-label={formatDate(start)}
                data-day={start}
              >
                <h2>
                  {weekday.format(start)} <span className="muted">{formatDate(start)}</span>
                </h2>
                {acts.length === 0 && tasks.length === 0 && <p className="muted">{t('day.nothing')}</p>}
                {acts.length > 0 && (
                  <ul className="plain-list">
                    {acts.map((a) => (
                      <ActivityItem key={a.id} activity={a} />
                    ))}
                  </ul>
                )}
                {tasks.length > 0 && (
                  <ul className="plain-list task-list">
                    {tasks.map((task) => (
                      <TaskItem key={task.id} task={task} />
                    ))}
                  </ul>
                )}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}
