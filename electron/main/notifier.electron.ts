import { Notification } from 'electron';
import type { Notifier, Reminder } from '../services/crm/reminders';

/** The notification texts in the app's language. */
export interface ReminderTexts {
  readonly taskDueTitle: string;
  readonly taskDueBody: string;
  readonly tasksDueBody: (count: number) => string;
}

const TEXTS: Record<'en' | 'zh-CN', ReminderTexts> = {
  en: {
    taskDueTitle: 'FieldVault',
    taskDueBody: 'A task is due. Open FieldVault to see it.',
    tasksDueBody: (count) => `${count} tasks are due. Open FieldVault to see them.`,
  },
  'zh-CN': {
    taskDueTitle: 'FieldVault',
    taskDueBody: '有一项任务到期。打开 FieldVault 查看。',
    tasksDueBody: (count) => `有 ${count} 项任务到期。打开 FieldVault 查看。`,
  },
};

/**
 * Task reminders as OS notifications. They never carry the task's title or any other customer
 * text: a notification shows on a locked screen and in the OS's notification history, outside the
 * vault. A notification that cannot be shown is dropped (the task stays on Home and the agenda).
 */
export class ElectronNotifier implements Notifier {
  constructor(private readonly language: () => 'en' | 'zh-CN') {}

  notify(reminder: Reminder): void {
    try {
      if (!Notification.isSupported()) return;
      const t = TEXTS[this.language()];
      const body = reminder.kind === 'taskDue' ? t.taskDueBody : t.tasksDueBody(reminder.count);
      new Notification({ title: t.taskDueTitle, body, silent: false }).show();
    } catch {
      // Dropped on purpose: see above.
    }
  }
}
