import type { Db } from '../db/database';
import { OpLogRepository } from './oplog.repository';

/** Settled rows are compacted this many at a time (one statement's worth of seqs in memory). */
const SEQS_PER_PAGE = 10_000;

/**
 * Op-log values stored once (issue 17 item 6; see oplog.elided.ts): a settled row (the server holds
 * it) no longer keeps a copy of a value its record row holds and no newer row overwrites; the names
 * of the values it dropped are in `elided`. Existing settled rows are compacted here, as `markPushed`
 * and the writer compact new ones. Like v13, this runs today's code (record reads) at this version.
 */
export function oplogV14(db: Db): void {
  db.exec('ALTER TABLE crm_oplog ADD COLUMN elided TEXT');
  compactSettled(db);
}

/** Compacts every settled row of the op log, in pages of seqs; returns how many dropped values. */
export function compactSettled(db: Db): number {
  const oplog = new OpLogRepository(db);
  const page = db.prepare<[number, number], { seq: number }>(
    "SELECT seq FROM crm_oplog WHERE seq > ? AND sync_state <> 'pending' AND fields IS NOT NULL ORDER BY seq LIMIT ?",
  );
  let after = 0;
  let n = 0;
  for (;;) {
    const seqs = page.all(after, SEQS_PER_PAGE).map((r) => r.seq);
    if (seqs.length === 0) return n;
    n += oplog.compact(seqs);
    after = seqs[seqs.length - 1]!;
  }
}
