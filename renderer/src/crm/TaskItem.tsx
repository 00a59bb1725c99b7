import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Task } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { dateInput, fromInputs, timeInput } from '../agenda/time';
import { ErrorMessage } from '../errors';
import { useReturnFocus } from '../focus';
import { formatDateTime } from '../format';
import { MemberInput } from '../people/MemberInput';
import { OwnerName } from '../people/OwnerName';
import { noteLocalChange } from './records.events';
import { useUndoStore } from './undo.store';
import { composing } from '../keys';

/** Deletes a task and offers to undo it (records.restore, which syncs like the delete). */
export async function deleteTask(task: Task, message: string): Promise<void> {
  await call('tasks.delete', { id: task.id });
  noteLocalChange('task', [task.id]);
  useUndoStore.getState().offer(message, async () => {
    await call('records.restore', { entity: 'task', id: task.id });
    noteLocalChange('task', [task.id]);
  });
}

/** Date and time inputs of a due moment (empty date: no due date). */
export function DueInputs(props: {
  date: string;
  time: string;
  onDate: (v: string) => void;
  onTime: (v: string) => void;
  idPrefix: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      <div className="field compact">
        <label htmlFor={`${props.idPrefix}-date`}>{t('record.due')}</label>
        <input
          id={`${props.idPrefix}-date`}
          type="date"
          value={props.date}
          onChange={(e) => props.onDate(e.target.value)}
          data-testid="due-date"
        />
      </div>
      <div className="field compact">
        <label htmlFor={`${props.idPrefix}-time`}>{t('day.time')}</label>
        <input
          id={`${props.idPrefix}-time`}
          type="time"
          value={props.time}
          onChange={(e) => props.onTime(e.target.value)}
          data-testid="due-time"
        />
      </div>
    </>
  );
}

/** One task: complete or reopen, edit title and due date/time, delete with undo. */
export function TaskItem({ task, showOverdue }: { task: Task; showOverdue?: boolean }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(task.title);
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [titleMissing, setTitleMissing] = useState(false);
  const id = useId();
  // Saving or cancelling the edit gives focus back to the task's Edit button.
  const [editButton, closing] = useReturnFocus<HTMLButtonElement>(editing);
  const close = () => {
    closing();
    setEditing(false);
  };
  // "Overdue" as of when the row appeared; the list reloads on every change anyway.
  const [now] = useState(() => Date.now());
  const act = async (run: () => Promise<unknown>) => {
    try {
      await run();
      setError(null);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const toggle = () =>
    act(async () => {
      await call('tasks.update', { id: task.id, patch: { done: !task.done } });
      noteLocalChange('task', [task.id]);
    });
  const startEdit = () => {
    setTitle(task.title);
    setDate(task.dueAt === null ? '' : dateInput(task.dueAt));
    setTime(task.dueAt === null ? '09:00' : timeInput(task.dueAt));
    setAssigneeId(task.assigneeId);
    setTitleMissing(false);
    setEditing(true);
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    // A task needs a title: said at the field, and nothing (not the new due date either) is lost.
    setTitleMissing(title.trim() === '');
    if (title.trim() === '') return;
    const dueAt = date === '' ? null : fromInputs(date, time === '' ? '09:00' : time);
    void act(async () => {
      await call('tasks.update', {
        id: task.id,
        patch: {
          title: title.trim(),
          dueAt,
          ...(assigneeId === task.assigneeId ? {} : { assigneeId }),
        },
      });
      noteLocalChange('task', [task.id]);
      close();
    });
  };
  if (editing)
    return (
      <li className="task-item editing" data-task={task.id}>
        <form className="row wrap" onSubmit={save}>
          <div className="field compact grow">
            <label htmlFor={`${id}-title`}>{t('record.taskTitle')}</label>
            <input
              id={`${id}-title`}
              value={title}
              autoFocus
              aria-invalid={titleMissing}
              aria-describedby={titleMissing ? `${id}-title-msg` : undefined}
              onChange={(e) => {
                setTitle(e.target.value);
                setTitleMissing(false);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && !composing(e)) close();
              }}
              data-testid="task-title-input"
            />
            {titleMissing && (
              <p id={`${id}-title-msg`} className="field-error" role="alert" data-testid="task-title-error">
                {t('record.required')}
              </p>
            )}
          </div>
          <DueInputs date={date} time={time} onDate={setDate} onTime={setTime} idPrefix={id} />
          <MemberInput
            label={t('fields.assigneeId')}
            value={assigneeId}
            onChange={setAssigneeId}
            testId="task-assignee"
          />
          <button type="submit" className="primary" data-testid="task-save">
            {t('record.save')}
          </button>
          <button type="button" onClick={close}>
            {t('record.cancel')}
          </button>
        </form>
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
      </li>
    );
  const overdue = showOverdue && !task.done && task.dueAt !== null && task.dueAt < now;
  return (
    <li className={task.done ? 'task-item done' : 'task-item'} data-task={task.id}>
      <input
        type="checkbox"
        id={`${id}-done`}
        checked={task.done}
        onChange={() => void toggle()}
        aria-label={
          task.done ? t('day.reopen', { task: task.title }) : t('day.complete', { task: task.title })
        }
        data-testid="task-done"
      />
      <label htmlFor={`${id}-done`} className="task-title">
        {task.title}
      </label>
      <span className={overdue ? 'muted overdue' : 'muted'}>
        {task.dueAt === null ? t('day.noDue') : formatDateTime(task.dueAt)}
      </span>
      {task.assigneeId && (
        <span className="muted" data-testid="task-assignee-name">
          <OwnerName owner={task.assigneeId} />
        </span>
      )}
      <span className="task-actions">
        <button
          ref={editButton}
          type="button"
          className="link"
          onClick={startEdit}
          aria-label={`${t('record.edit')} · ${task.title}`}
          data-testid="task-edit"
        >
          {t('record.edit')}
        </button>
        <button
          type="button"
          className="link danger"
          onClick={() => void act(() => deleteTask(task, t('day.taskDeleted', { task: task.title })))}
          aria-label={`${t('day.delete')} · ${task.title}`}
          data-testid="task-delete"
        >
          {t('day.delete')}
        </button>
      </span>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
    </li>
  );
}
