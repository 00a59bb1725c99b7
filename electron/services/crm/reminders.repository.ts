import type { Db } from '../db/database';

/** An open task whose reminder moment fell in a window. */
export interface DueReminder {
  readonly id: string;
  readonly title: string;
  /** `remindAt`, else `dueAt`. */
  readonly at: number;
  readonly dueAt: number | null;
}

/** Reads open, live tasks by their reminder moment (the partial index of migration 7). */
export class RemindersRepository {
  constructor(private readonly db: Db) {}

  /** Tasks whose moment is in (after, upTo], oldest first, at most `limit`; `total` counts them all. */
  due(after: number, upTo: number, limit: number): { items: DueReminder[]; total: number } {
    const where = `done = 0 AND deleted_at IS NULL AND coalesce(remind_at, due_at) IS NOT NULL
      AND coalesce(remind_at, due_at) > ? AND coalesce(remind_at, due_at) <= ?`;
    const items = this.db
      .prepare<[number, number, number], DueReminder>(
        `SELECT id, title, coalesce(remind_at, due_at) AS at, due_at AS dueAt
         FROM crm_tasks INDEXED BY crm_tasks_reminder WHERE ${where} ORDER BY coalesce(remind_at, due_at), id LIMIT ?`,
      )
      .all(after, upTo, limit);
    const total =
      items.length < limit
        ? items.length
        : this.db
            .prepare<[number, number], { n: number }>(`SELECT count(*) AS n FROM crm_tasks WHERE ${where}`)
            .get(after, upTo)!.n;
    return { items, total };
  }
}
