import type { Db } from '../db/database';
import { MetaRepository } from './meta.repository';
import { RemindersRepository } from './reminders.repository';

/** What a reminder says; the OS implementation words it in the user's language. */
export type Reminder =
  | {
      readonly kind: 'taskDue';
      readonly taskId: string;
      /** The task's title (customer data: shown to the user only, never logged). */
      readonly title: string;
      readonly dueAt: number | null;
    }
  /** More tasks fell due at once than are worth one notification each. */
  | { readonly kind: 'tasksDue'; readonly count: number };

/**
 * The OS seam for notifications. The app's implementation (Electron's `Notification`) lives in
 * `electron/main`; tests and the dev host use `MemoryNotifier`. Implementations must not throw:
 * a notification that cannot be shown is dropped (the task stays on Home and the agenda).
 */
export interface Notifier {
  notify(reminder: Reminder): void;
}

/** Keeps what it was asked to show (tests, dev host). */
export class MemoryNotifier implements Notifier {
  readonly shown: Reminder[] = [];
  notify(reminder: Reminder): void {
    this.shown.push(reminder);
  }
}

/** One notification each up to this many tasks per check; beyond it one summary. */
export const MAX_REMINDERS_PER_CHECK = 5;
/** A reminder missed while the app was closed is still shown if it is at most this old. */
export const REMINDER_LOOKBACK_MS = 24 * 60 * 60 * 1000;
const CHECKED_KEY = 'reminders.checkedThrough';

/**
 * Notifies when an open task's reminder (`remindAt`, else `dueAt`) comes. The moment up to which it
 * has notified is kept in the vault (crm_meta), so a task is announced once, across restarts and
 * whichever device set it; a reminder that fell due while the app was closed is shown at the next
 * unlock if it is less than a day old.
 */
export class ReminderScheduler {
  private readonly repo: RemindersRepository;
  private readonly meta: MetaRepository;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    db: Db,
    private readonly notifier: Notifier,
    private readonly now: () => number,
  ) {
    this.repo = new RemindersRepository(db);
    this.meta = new MetaRepository(db);
  }

  /** Checks now and then every `everyMs` until `stop`. */
  start(everyMs = 30_000): void {
    this.stop();
    this.check();
    this.timer = setInterval(() => {
      try {
        this.check();
      } catch {
        // The vault closed under the timer or the disk failed: the next check (or unlock) retries.
      }
    }, everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Notifies the tasks whose moment came since the last check; returns how many were due. */
  check(): number {
    const now = this.now();
    const stored = Number(this.meta.get(CHECKED_KEY) ?? Number.NaN);
    const after = Number.isFinite(stored) ? Math.max(stored, now - REMINDER_LOOKBACK_MS) : now - 1;
    if (after >= now) return 0;
    const { items, total } = this.repo.due(after, now, MAX_REMINDERS_PER_CHECK + 1);
    if (total > MAX_REMINDERS_PER_CHECK) this.notifier.notify({ kind: 'tasksDue', count: total });
    else
      for (const task of items)
        this.notifier.notify({ kind: 'taskDue', taskId: task.id, title: task.title, dueAt: task.dueAt });
    this.meta.set(CHECKED_KEY, String(now));
    return total;
  }
}
