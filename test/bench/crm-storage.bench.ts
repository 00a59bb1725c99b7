import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { activityDef, contactDef } from '../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../electron/services/crm/crm.migrations';
import { CrmService } from '../../electron/services/crm/crm.service';
import { openEncryptedDatabase, type Db } from '../../electron/services/db/database';
import { migrate } from '../../electron/services/db/migrate';
import { result, type BenchContext, type BenchResult } from './bench.types';
import { note, person, pick, rng } from './crm.data';

/** Rows per acknowledgement, as the sync outbox marks them (one delta of up to 500 ops). */
const PUSH_BATCH = 500;

/** Bytes of the op log (table and its index) and of every table, from SQLite's page statistics. */
function bytes(db: Db): { oplog: number; all: number } {
  const rows = db
    .prepare<[], { name: string; b: number }>('SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name')
    .all();
  const oplog = rows.filter((r) => r.name.startsWith('crm_oplog')).reduce((s, r) => s + r.b, 0);
  return { oplog, all: rows.reduce((s, r) => s + r.b, 0) };
}

/**
 * The same contacts (and one activity note each) written into two vaults by the importer's bulk
 * path, then acknowledged by the server: one through `markPushed` (values its record rows hold are
 * dropped, crm migration 14), the other with the rows marked pushed in place, today's layout. Sizes
 * are scaled to 100k contacts; the file is measured after VACUUM, as a compacted vault would be.
 */
export function benchStorage(ctx: BenchContext, contacts: number): BenchResult[] {
  const inputs = (r: () => number) => {
    const people = [];
    const notes = [];
    for (let i = 0; i < contacts; i++) {
      const p = person(r, i);
      people.push({
        name: p.name,
        emails: [p.email],
        phones: [p.phone],
        title: pick(r, ['Buyer', 'CEO', '采购经理', 'Engineer']),
      });
      notes.push({ kind: 'note' as const, occurredAt: 1_700_000_000_000 + i * 60_000, body: note(r) });
    }
    return { people, notes };
  };
  const measured: Record<'compacted' | 'today', { oplog: number; all: number; file: number; ackMs: number }> =
    {
      compacted: { oplog: 0, all: 0, file: 0, ackMs: 0 },
      today: { oplog: 0, all: 0, file: 0, ackMs: 0 },
    };
  for (const layout of ['today', 'compacted'] as const) {
    const file = path.join(ctx.dir, `storage-${layout}.db`);
    const db = openEncryptedDatabase(file, randomBytes(32));
    migrate(db, [crmMigrations]);
    const svc = new CrmService(db, Date.now);
    const { people, notes } = inputs(rng(7));
    const ids = svc.createMany(contactDef, people);
    svc.createMany(
      activityDef,
      notes.map((n, i) => ({ ...n, contactId: ids[i] })),
    );
    const mark = db.prepare("UPDATE crm_oplog SET sync_state = 'pushed', pushed_at = ? WHERE seq = ?");
    const t = performance.now();
    for (;;) {
      const seqs = svc.oplog.pending(PUSH_BATCH).map((r) => r.seq);
      if (seqs.length === 0) break;
      svc.tx(() => {
        if (layout === 'compacted') svc.oplog.markPushed(seqs, 1);
        else for (const seq of seqs) mark.run(1, seq);
      });
    }
    const ackMs = performance.now() - t;
    db.exec('VACUUM');
    const b = bytes(db);
    db.close();
    measured[layout] = { ...b, file: statSync(file).size, ackMs };
    ctx.log(
      `storage ${layout}: op log ${(b.oplog / 2 ** 20).toFixed(1)} MiB, file ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  const per100k = (n: number) => (n / 2 ** 20) * (100_000 / contacts);
  const { compacted, today } = measured;
  const opsPer1k = (ms: number) => ms / ((2 * contacts) / 1000);
  return [
    result(
      'crm.storage op log per 100k contacts (+1 note each; baseline: today)',
      per100k(compacted.oplog),
      'MiB',
      per100k(today.oplog),
    ),
    result(
      'crm.storage vault file per 100k contacts after VACUUM (baseline: today)',
      per100k(compacted.file),
      'MiB',
      per100k(today.file),
    ),
    result(
      'crm.storage acknowledging pushed ops, per 1k (baseline: mark only)',
      opsPer1k(compacted.ackMs),
      'ms',
      opsPer1k(today.ackMs),
    ),
  ];
}
