import type { Db } from '../db/database';
import { AppError } from '../../../shared/errors';
import type { SavedViewList } from '../../../shared/domain/crm.schemas';
import { uuidv7 } from '../../../shared/domain/ids';
import { PRIVATE_VIEWS_MAX, privateViewSchema, type PrivateView } from '../../../shared/views/views.channels';

type Row = { id: string; body: string; updated_at: number };

/**
 * Private views: device-local rows of the (encrypted) vault. They are not records: no op is written
 * for them, so the outbox, the server and every other member's device never see them.
 */
export class PrivateViewsRepository {
  constructor(private readonly db: Db) {}

  /** Every stored view that still parses (a damaged row is left out), of one list or all, by name. */
  list(list?: SavedViewList): PrivateView[] {
    const rows = this.db.prepare<[], Row>('SELECT id, body, updated_at FROM crm_private_views').all();
    const views: PrivateView[] = [];
    for (const row of rows) {
      const view = parse(row);
      if (view && (list === undefined || view.list === list)) views.push(view);
    }
    return views.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Creates (no id) or replaces a view; a view's list never changes. */
  save(id: string | undefined, view: Omit<PrivateView, 'id' | 'updatedAt'>, now: number): PrivateView {
    const body = (v: Omit<PrivateView, 'id' | 'updatedAt'>) =>
      JSON.stringify({ name: v.name, list: v.list, query: v.query, groupBy: v.groupBy, columns: v.columns });
    if (id === undefined) {
      const { n } = this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_private_views').get()!;
      if (n >= PRIVATE_VIEWS_MAX) {
        throw new AppError('VALIDATION', `At most ${PRIVATE_VIEWS_MAX} private views fit on a device`);
      }
      const fresh = { ...view, id: uuidv7(now), updatedAt: now };
      this.db
        .prepare('INSERT INTO crm_private_views (id, body, updated_at) VALUES (?, ?, ?)')
        .run(fresh.id, body(fresh), now);
      return fresh;
    }
    const current = this.get(id);
    if (current.list !== view.list) throw new AppError('VALIDATION', "A view's list cannot change");
    this.db
      .prepare('UPDATE crm_private_views SET body = ?, updated_at = ? WHERE id = ?')
      .run(body(view), now, id);
    return { ...view, id, updatedAt: now };
  }

  delete(id: string): { id: string } {
    const { changes } = this.db.prepare('DELETE FROM crm_private_views WHERE id = ?').run(id);
    if (changes === 0) throw new AppError('NOT_FOUND', 'There is no such private view');
    return { id };
  }

  private get(id: string): PrivateView {
    const row = this.db
      .prepare<[string], Row>('SELECT id, body, updated_at FROM crm_private_views WHERE id = ?')
      .get(id);
    const view = row ? parse(row) : null;
    if (!view) throw new AppError('NOT_FOUND', 'There is no such private view');
    return view;
  }
}

function parse(row: Row): PrivateView | null {
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch {
    return null;
  }
  const parsed = privateViewSchema.safeParse({
    ...(typeof body === 'object' && body !== null ? body : {}),
    id: row.id,
    updatedAt: row.updated_at,
  });
  return parsed.success ? parsed.data : null;
}
