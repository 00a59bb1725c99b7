import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { activityKindSchema, type Activity } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { RecordPicker, type PickedRecord } from '../components/RecordPicker';
import { noteLocalChange } from '../crm/records.events';
import { ErrorMessage } from '../errors';
import { parseNumberInput } from '../locale.input';
import { useDraft } from '../drafts';
import { useSubmitOnce } from '../submit';
import { dateInput, fromInputs, timeInput } from './time';

type Kind = Activity['kind'];

/** The link an activity of a record page gets. */
export type ActivityLink = { accountId: string } | { contactId: string } | { dealId: string };

/**
 * Plans (or logs) a visit, meeting or call: start date and time, duration, subject, outcome,
 * attendees (contacts, searched) and, outside a record page, the account it is for.
 */
export function PlanActivity(props: {
  /** Set on a record page: the activity links to that record and no account is asked for. */
  link?: ActivityLink;
  /** First date offered (the agenda's day); default now. */
  defaultAt?: number;
  heading: string;
  onDone?: (activity: Activity) => void;
}) {
  const { t } = useTranslation();
  const [at] = useState(() => props.defaultAt ?? Date.now());
  const [kind, setKind] = useState<Kind>('visit');
  // The texts typed stay when the rep leaves the page before saving (one draft per record page).
  const draft = props.link ? `activity:${Object.entries(props.link).flat().join(':')}` : null;
  const [subject, setSubject, discardSubject] = useDraft(draft && `${draft}:subject`, '');
  const [date, setDate] = useState(dateInput(at));
  const [time, setTime] = useState(timeInput(at));
  const [duration, setDuration] = useState('60');
  const [outcome, setOutcome, discardOutcome] = useDraft(draft && `${draft}:outcome`, '');
  const [body, setBody, discardBody] = useDraft(draft && `${draft}:body`, '');
  const [account, setAccount] = useState<PickedRecord | null>(null);
  const [attendees, setAttendees] = useState<PickedRecord[]>([]);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, once] = useSubmitOnce();
  const fid = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const occurredAt = fromInputs(date, time);
    const minutes = duration.trim() === '' ? null : parseNumberInput(duration);
    if (occurredAt === null) return setMessage(t('day.badWhen'));
    if (
      duration.trim() !== '' &&
      (minutes === null || !Number.isInteger(minutes) || minutes < 0 || minutes > 100_000)
    )
      return setMessage(t('day.badDuration'));
    const sent = { subject, outcome, body, attendees };
    await once(async () => {
      try {
        const created = await call('activities.create', {
          kind,
          occurredAt,
          durationMinutes: minutes,
          subject: subject.trim() === '' ? null : subject.trim(),
          outcome: outcome.trim() === '' ? null : outcome.trim(),
          body,
          attendeeIds: attendees.map((a) => a.id),
          ...(props.link ?? (account ? { accountId: account.id } : {})),
        });
        noteLocalChange('activity', [created.id]);
        // Text typed while the save was on its way is the start of the next entry: it stays.
        discardSubject('', sent.subject);
        discardOutcome('', sent.outcome);
        discardBody('', sent.body);
        setAttendees((list) => list.filter((a) => !sent.attendees.includes(a)));
        setMessage(null);
        setError(null);
        props.onDone?.(created);
      } catch (e) {
        setError(errorInfo(e));
      }
    });
  };
  return (
    <form
      className="panel"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${fid}-h`}
      data-testid="plan-activity"
    >
      <h2 id={`${fid}-h`}>{props.heading}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="row wrap">
        <div className="field compact">
          <label htmlFor={`${fid}-kind`}>{t('record.kind')}</label>
          <select
            id={`${fid}-kind`}
            value={kind}
            onChange={(e) => setKind(activityKindSchema.parse(e.target.value))}
            data-testid="activity-kind"
          >
            {activityKindSchema.options.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field compact grow">
          <label htmlFor={`${fid}-subject`}>{t('record.subject')}</label>
          <input
            id={`${fid}-subject`}
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            data-testid="activity-subject"
          />
        </div>
      </div>
      <div className="row wrap">
        <div className="field compact">
          <label htmlFor={`${fid}-date`}>{t('day.date')}</label>
          <input
            id={`${fid}-date`}
            type="date"
            value={date}
            onChange={(e) => setDate(e.target.value)}
            data-testid="activity-date"
          />
        </div>
        <div className="field compact">
          <label htmlFor={`${fid}-time`}>{t('day.time')}</label>
          <input
            id={`${fid}-time`}
            type="time"
            value={time}
            onChange={(e) => setTime(e.target.value)}
            data-testid="activity-time"
          />
        </div>
        <div className="field compact">
          <label htmlFor={`${fid}-dur`}>{t('day.duration')}</label>
          <input
            id={`${fid}-dur`}
            inputMode="numeric"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            data-testid="activity-duration"
          />
        </div>
      </div>
      {!props.link && (
        <div className="row wrap">
          {account ? (
            <p>
              {t('entity.account')}: <strong data-testid="picked-account">{account.name}</strong>{' '}
              <button type="button" className="link" onClick={() => setAccount(null)}>
                {t('day.remove')}
              </button>
            </p>
          ) : (
            <RecordPicker
              entity="account"
              label={t('entity.account')}
              onPick={setAccount}
              testId="pick-account"
            />
          )}
        </div>
      )}
      <div className="row wrap">
        <RecordPicker
          entity="contact"
          label={t('day.attendees')}
          exclude={attendees.map((a) => a.id)}
          onPick={(c) => setAttendees((list) => [...list, c])}
          testId="pick-attendee"
        />
        <ul className="chips" aria-label={t('day.attendees')}>
          {attendees.map((a) => (
            <li key={a.id} className="chip" data-attendee={a.name}>
              {a.name}
              <button
                type="button"
                className="link"
                aria-label={t('day.removeAttendee', { name: a.name })}
                onClick={() => setAttendees((list) => list.filter((x) => x.id !== a.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="field wide">
        <label htmlFor={`${fid}-outcome`}>{t('day.outcome')}</label>
        <input
          id={`${fid}-outcome`}
          value={outcome}
          onChange={(e) => setOutcome(e.target.value)}
          data-testid="activity-outcome-new"
        />
      </div>
      <div className="field wide">
        <label htmlFor={`${fid}-body`}>{t('record.body')}</label>
        <textarea
          id={`${fid}-body`}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          data-testid="activity-body"
        />
      </div>
      {message && (
        <p className="field-error" role="alert">
          {message}
        </p>
      )}
      <button type="submit" className="primary" aria-busy={busy} data-testid="activity-save">
        {t('record.create')}
      </button>
    </form>
  );
}
