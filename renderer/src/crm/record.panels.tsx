import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { activityKindSchema } from '../../../shared/domain/crm.schemas';
import type { timelineItemSchema } from '../../../shared/ipc/channels/crm.channels';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDateTime } from '../format';
import type { EntityKind } from '../ui.store';

export type TimelineItem = z.infer<typeof timelineItemSchema>;

/** The link field an activity or task of this record carries. */
export function linkOf(entity: EntityKind, id: string) {
  return entity === 'account' ? { accountId: id } : entity === 'contact' ? { contactId: id } : { dealId: id };
}

/** A record's activities, tasks and edits, newest first. */
export function Timeline({ items }: { items: TimelineItem[] }) {
  const { t, i18n } = useTranslation();
  if (items.length === 0) return <p className="muted">{t('record.noTimeline')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {items.map((item, index) => (
        <li key={index}>
          <time className="muted">{formatDateTime(item.at)}</time>
          {item.type === 'activity' && (
            <div>
              <strong>{t(`kinds.${item.activity.kind}`)}</strong>
              {item.activity.subject && <span> · {item.activity.subject}</span>}
              {item.activity.body && <p className="note">{item.activity.body}</p>}
            </div>
          )}
          {item.type === 'task' && (
            <div>
              <strong>{t('entity.task')}</strong> · {item.task.title}
              {item.task.done && <span className="ok"> · {t('record.done')}</span>}
            </div>
          )}
          {item.type === 'change' && (
            <div className="muted">
              {t('record.edit')}
              {' · '}
              {item.fields
                .filter((f) => i18n.exists(`fields.${f}`))
                .map((f) => t(`fields.${f}`))
                .join(', ')}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

/** Logs an activity on the record. */
export function AddActivity({ entity, id, onDone }: { entity: EntityKind; id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<z.infer<typeof activityKindSchema>>('visit');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const fid = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await call('activities.create', {
        kind,
        occurredAt: Date.now(),
        subject: subject.trim() === '' ? null : subject.trim(),
        body,
        ...linkOf(entity, id),
      });
      setSubject('');
      setBody('');
      onDone();
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby={`${fid}-h`}>
      <h2 id={`${fid}-h`}>{t('record.addActivity')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="row">
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
          <input id={`${fid}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </div>
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
      <button type="submit" className="primary" data-testid="activity-save">
        {t('record.create')}
      </button>
    </form>
  );
}

/** Adds an open task to the record. */
export function AddTask({ entity, id, onDone }: { entity: EntityKind; id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [due, setDue] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const fid = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') return;
    try {
      const dueAt = due === '' ? null : new Date(`${due}T09:00`).getTime();
      await call('tasks.create', { title: title.trim(), dueAt, ...linkOf(entity, id) });
      setTitle('');
      setDue('');
      onDone();
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby={`${fid}-h`}>
      <h2 id={`${fid}-h`}>{t('record.addTask')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="row">
        <div className="field compact grow">
          <label htmlFor={`${fid}-title`}>{t('record.taskTitle')}</label>
          <input id={`${fid}-title`} value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="field compact">
          <label htmlFor={`${fid}-due`}>{t('record.due')}</label>
          <input id={`${fid}-due`} type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </div>
      </div>
      <button type="submit" className="primary" disabled={title.trim() === ''}>
        {t('record.create')}
      </button>
    </form>
  );
}
