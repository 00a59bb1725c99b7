import type { StoredDelta } from './storage';
import { DELTA_COLUMNS, toDelta, type DeltaRow } from './storage.rows';
import { rows, type Work } from './storage.sql';

/**
 * One pull page (issue 17): deltas with seq > `after`, ascending, at most `limit`, stopping before
 * the delta that would take the envelopes past `maxBytes` (the first one always comes, whatever its
 * size). Every statement is bounded by the sequence range `(after, after + limit]`: sequence numbers
 * are gapless, so that range holds exactly the next `limit` deltas, and the database walks only the
 * primary-key range of the page, never every row after the cursor (PostgreSQL's planner scanned the
 * whole tail for the unbounded `seq > ? ORDER BY seq LIMIT ?`).
 *
 * `oneStatement` (PostgreSQL, where each statement is a round trip): one query sums the sizes in a
 * window and returns only the rows that fit; `length(bytea)` reads the stored size without
 * detoasting, so rows past the byte cap are never read. Otherwise (SQLite, in process): the sizes
 * first, then exactly the rows that fit, so no envelope past the cap is copied out of the database.
 *
 * Should the range ever hold nothing while deltas lie beyond it (a gap: no rule makes one today),
 * one index probe finds the next sequence number and the page starts there, so a client looping on
 * `hasMore` never stalls.
 */
export function* pullPageWork(
  workspaceId: string,
  after: number,
  limit: number,
  maxBytes: number,
  oneStatement: boolean,
): Work<StoredDelta[]> {
  let page = yield* boundedPage(workspaceId, after, after + limit, maxBytes, oneStatement);
  if (page.length === 0) {
    const next = yield* rows<{ seq: number }>(
      'SELECT seq FROM deltas WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT 1',
      [workspaceId, after],
    );
    const first = next[0]?.seq;
    if (first !== undefined && first > after + limit)
      page = yield* boundedPage(workspaceId, first - 1, first - 1 + limit, maxBytes, oneStatement);
  }
  return page;
}

function* boundedPage(
  workspaceId: string,
  after: number,
  upTo: number,
  maxBytes: number,
  oneStatement: boolean,
): Work<StoredDelta[]> {
  if (oneStatement) {
    const page = yield* rows<DeltaRow>(
      `SELECT ${DELTA_COLUMNS} FROM (
         SELECT ${DELTA_COLUMNS}, length(envelope) AS size,
                sum(length(envelope)) OVER (ORDER BY seq) AS running
         FROM deltas WHERE workspace_id = ? AND seq > ? AND seq <= ?
       ) AS p WHERE running <= ? OR running = size ORDER BY seq`,
      [workspaceId, after, upTo, maxBytes],
    );
    return page.map(toDelta);
  }
  const sizes = yield* rows<{ seq: number; size: number }>(
    'SELECT seq, length(envelope) AS size FROM deltas WHERE workspace_id = ? AND seq > ? AND seq <= ? ORDER BY seq',
    [workspaceId, after, upTo],
  );
  let n = 0;
  let bytes = 0;
  for (const s of sizes) {
    if (n > 0 && bytes + s.size > maxBytes) break;
    bytes += s.size;
    n += 1;
  }
  if (n === 0) return [];
  const page = yield* rows<DeltaRow>(
    `SELECT ${DELTA_COLUMNS} FROM deltas WHERE workspace_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
    [workspaceId, after, sizes[n - 1]!.seq],
  );
  return page.map(toDelta);
}
