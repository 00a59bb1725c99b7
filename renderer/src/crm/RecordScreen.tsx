import { useEffect, useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { Account, Contact, Deal, Task } from '../../../shared/domain/crm.schemas';
import { activityKindSchema } from '../../../shared/domain/crm.schemas';
import type { timelineItemSchema } from '../../../shared/ipc/channels/crm.channels';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useUiStore, type EntityKind } from '../ui.store';
import { getRecord, updateRecord, type AnyRecord } from './crm.data';
import { parseField, recordFields, toInput, type FieldDef } from './fields';
import { stageName, usePipelinesStore } from './pipelines.store';

type TimelineItem = z.infer<typeof timelineItemSchema>;

function linkOf(entity: EntityKind, id: string) {
  return entity === 'account' ? { accountId: id } : entity === 'contact' ? { contactId: id } : { dealId: id };
}

function InlineField(props: {
  entity: EntityKind;
  field: FieldDef;
  record: AnyRecord;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const { entity, field, record } = props;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const label = t(`fields.${field.name}`);
  const shown = (() => {
    if (field.kind === 'money') return formatMoney((record as Deal).amountMinor, (record as Deal).currency);
    if (field.kind === 'date') return formatDate((record as Deal).expectedCloseDate);
    return toInput(field, record);
  })();

  const start = () => {
    setText(toInput(field, record));
    setMessage(null);
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    const parsed = parseField(entity, field, text, record, t);
    if (!parsed.ok) {
      setMessage(parsed.message);
      return;
    }
    try {
      const updated = await updateRecord(entity, record.id, { [field.name]: parsed.value });
      setEditing(false);
      props.onSaved(updated);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      setEditing(false);
    } else if (event.key === 'Enter' && (field.kind !== 'textarea' || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void save();
    }
  };

  if (!editing) {
    return (
      <div className="inline-field">
        <dt>{label}</dt>
        <dd>
          <span className="value" data-field={field.name}>
            {shown === '' ? <span className="muted">—</span> : shown}
          </span>
          <button
            type="button"
            className="link"
            onClick={start}
            aria-label={t('record.editField', { field: label })}
            data-edit={field.name}
          >
            {t('record.edit')}
          </button>
        </dd>
      </div>
    );
  }
  const inputProps = {
    id,
    value: text,
    autoFocus: true,
    'aria-invalid': message !== null,
    'aria-describedby': message ? `${id}-msg` : field.kind === 'list' ? `${id}-help` : undefined,
    onKeyDown: onKey,
    'data-input': field.name,
  };
  return (
    <div className="inline-field editing">
      <dt>
        <label htmlFor={id}>{label}</label>
      </dt>
      <dd>
        {field.kind === 'textarea' ? (
          <textarea {...inputProps} onChange={(e) => setText(e.target.value)} />
        ) : (
          <input
            {...inputProps}
            type={field.kind === 'date' ? 'date' : 'text'}
            inputMode={field.kind === 'money' || field.kind === 'int' ? 'decimal' : undefined}
            onChange={(e) => {
              setText(e.target.value);
              setMessage(null);
            }}
          />
        )}
        <button type="button" className="primary" onClick={() => void save()} data-save={field.name}>
          {t('record.save')}
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          {t('record.cancel')}
        </button>
        {field.kind === 'list' && !message && (
          <p id={`${id}-help`} className="muted small">
            {t('record.listSeparated')}
          </p>
        )}
        {message && (
          <p id={`${id}-msg`} className="field-error" role="alert" data-testid="field-error">
            {message}
          </p>
        )}
        <ErrorMessage error={error} />
      </dd>
    </div>
  );
}

/** The account a contact or deal belongs to: a list of accounts by name to pick from. */
function AccountField(props: {
  entity: EntityKind;
  record: AnyRecord;
  account: Account | null;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const [options, setOptions] = useState<Account[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const current = (props.record as Contact | Deal).accountId;
  const start = () => {
    call('accounts.list', { sort: { field: 'name', dir: 'asc' }, limit: 200 }).then(
      (page) => setOptions(page.items),
      (e: unknown) => setError(errorInfo(e)),
    );
  };
  const save = async (accountId: string) => {
    try {
      const updated = await updateRecord(props.entity, props.record.id, {
        accountId: accountId === '' ? null : accountId,
      });
      setOptions(null);
      props.onSaved(updated);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <div className={options ? 'inline-field editing' : 'inline-field'}>
      <dt>{options ? <label htmlFor={id}>{t('fields.accountId')}</label> : t('fields.accountId')}</dt>
      <dd>
        {options ? (
          <>
            <select
              id={id}
              autoFocus
              defaultValue={current ?? ''}
              onChange={(e) => void save(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setOptions(null);
              }}
              data-input="accountId"
            >
              <option value="">{t('record.none')}</option>
              {options.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => setOptions(null)}>
              {t('record.cancel')}
            </button>
          </>
        ) : (
          <>
            <span className="value" data-field="accountId">
              {props.account ? props.account.name : <span className="muted">—</span>}
            </span>
            <button
              type="button"
              className="link"
              onClick={start}
              aria-label={t('record.editField', { field: t('fields.accountId') })}
              data-edit="accountId"
            >
              {t('record.edit')}
            </button>
          </>
        )}
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
      </dd>
    </div>
  );
}

function Timeline({ items }: { items: TimelineItem[] }) {
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

function AddActivity({ entity, id, onDone }: { entity: EntityKind; id: string; onDone: () => void }) {
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

function AddTask({ entity, id, onDone }: { entity: EntityKind; id: string; onDone: () => void }) {
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

interface Related {
  account: Account | null;
  contacts: Contact[];
  deals: Deal[];
  tasks: Task[];
}

async function loadRelated(entity: EntityKind, record: AnyRecord): Promise<Related> {
  const out: Related = { account: null, contacts: [], deals: [], tasks: [] };
  const accountId = entity === 'account' ? null : (record as Contact | Deal).accountId;
  if (accountId) out.account = await call('accounts.get', { id: accountId }).catch(() => null);
  if (entity === 'account') {
    out.contacts = (await call('contacts.list', { filter: { accountId: record.id }, limit: 50 })).items;
    out.deals = (await call('deals.list', { filter: { accountId: record.id }, limit: 50 })).items;
  }
  if (entity === 'deal') {
    const ids = (record as Deal).contactIds.slice(0, 20);
    out.contacts = (
      await Promise.all(ids.map((id) => call('contacts.get', { id }).catch(() => null)))
    ).filter((c): c is Contact => c !== null);
  }
  out.tasks = (
    await call('tasks.list', { filter: { ...linkOf(entity, record.id), done: false }, limit: 50 })
  ).items;
  return out;
}

/** One account, contact or deal: inline-editable fields, related records, timeline, add activity/task. */
export function RecordScreen({ entity, id }: { entity: EntityKind; id: string }) {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [record, setRecord] = useState<AnyRecord | null>(null);
  const [related, setRelated] = useState<Related | null>(null);
  const [timeline, setTimeline] = useState<TimelineItem[]>([]);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, setVersion] = useState(0);
  const dataVersion = useUiStore((s) => s.dataVersion);

  useEffect(() => {
    let live = true;
    void usePipelinesStore
      .getState()
      .load()
      .catch(() => undefined);
    getRecord(entity, id).then(
      async (r) => {
        if (!live) return;
        setRecord(r);
        const [rel, tl] = await Promise.all([
          loadRelated(entity, r),
          call('timeline.get', { entity, id, limit: 50 }),
        ]);
        if (!live) return;
        setRelated(rel);
        setTimeline(tl.items);
      },
      (e: unknown) => {
        if (live) setError(errorInfo(e));
      },
    );
    return () => {
      live = false;
    };
  }, [entity, id, version, dataVersion]);

  const refresh = () => setVersion((v) => v + 1);
  if (!record) {
    return (
      <div className="screen">
        <h1>{t(`entity.${entity}`)}</h1>
        {error ? <ErrorMessage error={error} /> : <p className="muted">{t('app.loading')}</p>}
      </div>
    );
  }
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
      <div className="record-grid">
        <div>
          <section className="panel" aria-label={t(`entity.${entity}`)}>
            <dl className="fields">
              {recordFields[entity].map((field) => (
                <InlineField
                  key={field.name}
                  entity={entity}
                  field={field}
                  record={record}
                  onSaved={(r) => {
                    setRecord(r);
                    refresh();
                  }}
                />
              ))}
              {entity !== 'account' && (
                <AccountField
                  entity={entity}
                  record={record}
                  account={related?.account ?? null}
                  onSaved={(r) => {
                    setRecord(r);
                    refresh();
                  }}
                />
              )}
            </dl>
          </section>
          <AddActivity entity={entity} id={record.id} onDone={refresh} />
          <AddTask entity={entity} id={record.id} onDone={refresh} />
        </div>
        <div>
          <section className="panel" aria-labelledby="related-h">
            <h2 id="related-h">{t('record.related')}</h2>
            {related?.account && (
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
            {related && related.contacts.length > 0 && (
              <>
                <h3>{t('record.contacts')}</h3>
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
              </>
            )}
            {related && related.deals.length > 0 && (
              <>
                <h3>{t('record.deals')}</h3>
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
              </>
            )}
            <h3>{t('record.tasks')}</h3>
            {related && related.tasks.length > 0 ? (
              <ul className="plain-list">
                {related.tasks.map((task) => (
                  <li key={task.id}>
                    <span>{task.title}</span>
                    <span className="muted">{formatDate(task.dueAt)}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">{t('record.none')}</p>
            )}
          </section>
          <section className="panel" aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t('record.timeline')}</h2>
            <Timeline items={timeline} />
          </section>
        </div>
      </div>
    </div>
  );
}
