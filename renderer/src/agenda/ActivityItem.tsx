import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Activity } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { download } from '../crm/crm.data';
import { useRefNames } from '../crm/history.names';
import { noteLocalChange } from '../crm/records.events';
import { useUndoStore } from '../crm/undo.store';
import { ErrorMessage } from '../errors';
import { formatDateTime } from '../format';
import { kindLabels } from './time';
import { composing } from '../keys';

/** Actions on one activity: log its outcome, export it to a calendar, delete it with undo. */
export function ActivityActions({ activity }: { activity: Activity }) {
  const { t } = useTranslation();
  const [logging, setLogging] = useState(false);
  const [outcome, setOutcome] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const label = activity.subject ?? t(`kinds.${activity.kind}`);
  const act = async (run: () => Promise<unknown>) => {
    try {
      await run();
      setError(null);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await call('activities.update', {
        id: activity.id,
        patch: { outcome: outcome.trim() === '' ? null : outcome.trim() },
      });
      noteLocalChange('activity', [activity.id]);
      setLogging(false);
    });
  };
  const remove = () =>
    act(async () => {
      await call('activities.delete', { id: activity.id });
      noteLocalChange('activity', [activity.id]);
      useUndoStore.getState().offer(t('day.activityDeleted', { activity: label }), async () => {
        await call('records.restore', { entity: 'activity', id: activity.id });
        noteLocalChange('activity', [activity.id]);
      });
    });
  return (
    <div className="activity-actions">
      {logging ? (
        <form className="row wrap" onSubmit={save}>
          <div className="field compact grow">
            <label htmlFor={`${id}-outcome`}>{t('day.outcome')}</label>
            <input
              id={`${id}-outcome`}
              value={outcome}
              autoFocus
              onChange={(e) => setOutcome(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && !composing(e)) setLogging(false);
              }}
              data-testid="outcome-input"
            />
          </div>
          <button type="submit" className="primary" data-testid="outcome-save">
            {t('record.save')}
          </button>
          <button type="button" onClick={() => setLogging(false)}>
            {t('record.cancel')}
          </button>
        </form>
      ) : (
        <span className="row">
          <button
            type="button"
            className="link"
            onClick={() => {
              setOutcome(activity.outcome ?? '');
              setLogging(true);
            }}
            // The accessible name starts with the visible text (WCAG 2.5.3), then names the activity.
            aria-label={`${activity.outcome ? t('day.editOutcome') : t('day.logOutcome')} · ${label}`}
            data-testid="log-outcome"
          >
            {activity.outcome ? t('day.editOutcome') : t('day.logOutcome')}
          </button>
          <button
            type="button"
            className="link"
            onClick={() =>
              void act(async () =>
                download(await call('activities.exportIcs', { id: activity.id, kindLabels: kindLabels(t) })),
              )
            }
            aria-label={`${t('day.ics')} · ${label}`}
            data-testid="activity-ics"
          >
            {t('day.ics')}
          </button>
          <button
            type="button"
            className="link danger"
            onClick={() => void remove()}
            aria-label={`${t('day.delete')} · ${label}`}
            data-testid="activity-delete"
          >
            {t('day.delete')}
          </button>
        </span>
      )}
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
    </div>
  );
}

/** One activity in a list: when, what, how long, who, the outcome, and its actions. */
export function ActivityItem({ activity, showDate }: { activity: Activity; showDate?: boolean }) {
  const { t, i18n } = useTranslation();
  const nameOf = useRefNames([{ field: 'attendeeIds', before: null, after: activity.attendeeIds }]);
  const attendeeNames = activity.attendeeIds.map(nameOf);
  const time = showDate
    ? formatDateTime(activity.occurredAt)
    : new Intl.DateTimeFormat(i18n.language || 'en', { timeStyle: 'short' }).format(activity.occurredAt);
  return (
    <li className="agenda-item" data-activity={activity.id} data-kind={activity.kind}>
      <time className="muted">{time}</time>
      <div className="grow">
        <strong>{t(`kinds.${activity.kind}`)}</strong>
        {activity.subject && <span> · {activity.subject}</span>}
        {activity.durationMinutes !== null && (
          <span className="muted"> · {t('day.minutes', { count: activity.durationMinutes })}</span>
        )}
        {activity.attendeeIds.length > 0 && (
          <span className="muted" data-testid="activity-attendees">
            {' · '}
            {attendeeNames.every((n) => typeof n === 'string')
              ? t('day.attendeesNames', {
                  names: new Intl.ListFormat(i18n.language || 'en').format(attendeeNames),
                })
              : t('day.attendeesCount', { count: activity.attendeeIds.length })}
          </span>
        )}
        {activity.outcome && (
          <p className="ok" data-testid="activity-outcome">
            {t('day.outcome')}: {activity.outcome}
          </p>
        )}
        {activity.body && <p className="note">{activity.body}</p>}
        <ActivityActions activity={activity} />
      </div>
    </li>
  );
}
