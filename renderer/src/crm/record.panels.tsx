import { customIdOf } from '../../../shared/domain/custom-fields';
import { showCustomValue, useCustomFieldsStore } from './customFields.store';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { timelineItemSchema } from '../../../shared/ipc/channels/crm.channels';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useSubmitOnce } from '../submit';
import { formatDateTime, formatMoney } from '../format';
import { ActivityActions } from '../agenda/ActivityItem';
import { fromInputs } from '../agenda/time';
import { MemberInput } from '../people/MemberInput';
import { memberOfOwner } from '../../../shared/people/members';
import { ownerLabel, useMembersStore } from '../people/members.store';
import { memberFields } from './fields';
import { REF_FIELDS, useRefNames } from './history.names';
import { pipelineLabel, stageLabel, usePipelinesStore } from './pipelines.store';
import { noteLocalChange } from './records.events';
import { DueInputs } from './TaskItem';
import type { EntityKind } from '../ui.store';

export type TimelineItem = z.infer<typeof timelineItemSchema>;

/** The link field an activity or task of this record carries. */
export function linkOf(entity: EntityKind, id: string) {
  return entity === 'account' ? { accountId: id } : entity === 'contact' ? { contactId: id } : { dealId: id };
}

/** A field value in a history row: short, never markup. */
function shownValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((v) => shownValue(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** One edit: who (device) and, per field, the old and the new value. */
function ChangeRow({
  item,
  currency,
}: {
  item: Extract<TimelineItem, { type: 'change' }>;
  currency: string;
}) {
  const { t, i18n } = useTranslation();
  const defs = useCustomFieldsStore((s) => s.defs);
  const customDef = (field: string) => {
    const id = customIdOf(field);
    return id === null ? undefined : defs?.find((d) => d.id === id);
  };
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const nameOf = useRefNames(item.changes);
  const members = useMembersStore((s) => s.members);
  // The writing device is a member (its clock id is the member id): named, else a short id.
  const author = memberOfOwner(members, item.deviceId);
  // Enumerations read as their labels, stages by name, linked records by name (the id while it
  // loads or when the record is gone), money in major units; the rest as stored.
  // An amount is in the currency the same edit gave the deal, else the deal's own (JPY has no cents).
  const currencyOf = (side: 'before' | 'after'): string => {
    const change = item.changes.find((c) => c.field === 'currency');
    const v = change?.[side];
    return typeof v === 'string' ? v : currency;
  };
  const fieldValue = (field: string, value: unknown, side: 'before' | 'after' = 'after'): string => {
    const def = customDef(field);
    if (def) return showCustomValue(def, value, t) || '—';
    if (field === 'status' && typeof value === 'string') return t(`dealStatus.${value}`);
    if (field === 'priority' && typeof value === 'string') return t(`priority.${value}`);
    if (field === 'amountMinor' && typeof value === 'number') return formatMoney(value, currencyOf(side));
    if (field === 'stageId' && typeof value === 'string') {
      const pipeline = pipelines?.find((p) => p.stages.some((s) => s.id === value));
      const stage = pipeline?.stages.find((s) => s.id === value);
      return pipeline && stage ? stageLabel(pipeline.id, stage, t) : value;
    }
    if (field === 'pipelineId' && typeof value === 'string') {
      const pipeline = pipelines?.find((p) => p.id === value);
      return pipeline ? pipelineLabel(pipeline, t) : value;
    }
    if (field === 'contactRoles' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const roles = Object.entries(value as Record<string, unknown>).map(
        ([id, role]) => `${nameOf(id) ?? id}: ${typeof role === 'string' ? t(`deal.roles.${role}`) : '—'}`,
      );
      return shownValue(roles);
    }
    if (memberFields.has(field) && typeof value === 'string') return ownerLabel(members, value);
    if (REF_FIELDS[field]) {
      const ids: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
      return shownValue(ids.map((id) => (typeof id === 'string' ? (nameOf(id) ?? id) : id)));
    }
    return shownValue(value);
  };
  const label = (field: string) =>
    field === 'contactIds'
      ? t('record.contacts')
      : field === 'contactRoles'
        ? t('workday.contactRoles')
        : t(`fields.${field}`);
  const shown = item.changes.filter(
    (c) =>
      i18n.exists(`fields.${c.field}`) ||
      c.field === 'deletedAt' ||
      c.field === 'contactIds' ||
      c.field === 'contactRoles' ||
      customDef(c.field) !== undefined,
  );
  // A record's first change is its creation: its values had no "before".
  const created = item.changes.length > 0 && item.changes.every((c) => c.before === undefined);
  return (
    <div className="muted" data-testid="history-row">
      {t(created ? 'record.created' : 'record.edit')} ·{' '}
      {author
        ? t('day.byMember', { name: author.name })
        : t('day.byDevice', { id: item.deviceId.slice(0, 6) })}
      <ul className="changes">
        {shown.map((c) => (
          <li key={c.field} data-change={c.field}>
            {c.field === 'deletedAt' ? (
              c.after === null ? (
                t('day.restored')
              ) : (
                t('day.deleted')
              )
            ) : (
              <>
                <span>{customDef(c.field)?.label ?? label(c.field)}: </span>
                {c.before !== undefined && (
                  <>
                    <del>{fieldValue(c.field, c.before, 'before')}</del> →{' '}
                  </>
                )}
                <ins>{fieldValue(c.field, c.after)}</ins>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A row's identity: its activity, task or change. Rows keyed by position would hand an open form
 * (an activity's outcome being typed) to whichever row lands in its place when a newer one arrives.
 */
function timelineKey(item: TimelineItem): string {
  if (item.type === 'activity') return `activity:${item.activity.id}`;
  if (item.type === 'task') return `task:${item.task.id}`;
  return `change:${item.hlc}`;
}

/** A record's activities, tasks and edits, newest first. */
/** `currency`: the record's, for amounts in its history (a deal's; the default for others). */
export function Timeline({ items, currency }: { items: TimelineItem[]; currency: string }) {
  const { t } = useTranslation();
  if (items.length === 0) return <p className="muted">{t('record.noTimeline')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {items.map((item) => (
        <li key={timelineKey(item)}>
          <time className="muted">{formatDateTime(item.at)}</time>
          {item.type === 'activity' && (
            <div>
              <strong>{t(`kinds.${item.activity.kind}`)}</strong>
              {item.activity.subject && <span> · {item.activity.subject}</span>}
              {item.activity.durationMinutes !== null && (
                <span className="muted"> · {t('day.minutes', { count: item.activity.durationMinutes })}</span>
              )}
              {item.activity.outcome && (
                <p className="ok" data-testid="activity-outcome">
                  {t('day.outcome')}: {item.activity.outcome}
                </p>
              )}
              {item.activity.body && <p className="note">{item.activity.body}</p>}
              <ActivityActions activity={item.activity} />
            </div>
          )}
          {item.type === 'task' && (
            <div>
              <strong>{t('entity.task')}</strong> · {item.task.title}
              {item.task.done && <span className="ok"> · {t('record.done')}</span>}
            </div>
          )}
          {item.type === 'change' && <ChangeRow item={item} currency={currency} />}
        </li>
      ))}
    </ol>
  );
}

/** Adds an open task to the record. */
export function AddTask({ entity, id, onDone }: { entity: EntityKind; id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [due, setDue] = useState('');
  const [time, setTime] = useState('09:00');
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const fid = useId();
  const [busy, once] = useSubmitOnce();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') return;
    await once(async () => {
      try {
        const dueAt = due === '' ? null : fromInputs(due, time === '' ? '09:00' : time);
        const task = await call('tasks.create', {
          title: title.trim(),
          dueAt,
          assigneeId,
          ...linkOf(entity, id),
        });
        noteLocalChange('task', [task.id]);
        setTitle('');
        setDue('');
        setAssigneeId(null);
        onDone();
      } catch (e) {
        setError(errorInfo(e));
      }
    });
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby={`${fid}-h`}>
      <h2 id={`${fid}-h`}>{t('record.addTask')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="row">
        <div className="field compact grow">
          <label htmlFor={`${fid}-title`}>{t('record.taskTitle')}</label>
          <input
            id={`${fid}-title`}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            data-testid="task-new-title"
          />
        </div>
        <DueInputs date={due} time={time} onDate={setDue} onTime={setTime} idPrefix={fid} />
        <MemberInput
          label={t('fields.assigneeId')}
          value={assigneeId}
          onChange={setAssigneeId}
          testId="task-new-assignee"
        />
      </div>
      <button
        type="submit"
        className="primary"
        aria-busy={busy}
        disabled={title.trim() === ''}
        data-testid="task-create"
      >
        {t('record.create')}
      </button>
    </form>
  );
}
