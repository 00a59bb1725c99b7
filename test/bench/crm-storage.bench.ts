import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { activityDef, contactDef } from '../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../electron/services/crm/crm.migrations';
import { CrmService } from '../../electron/services/crm/crm.service';
import { openEncryptedDatabase, type Db } from '../../electron/services/db/database';
import { migrate } from '../../electron/services/db/migrate';
import { compactSettled } from '../../electron/services/crm/oplog.migrations';
import type { Change } from '../../electron/services/crm/change.pipeline';
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

interface Measured {
  readonly oplog: number;
  readonly file: number;
  /** Acknowledging (pushing vault) or applying (pulling replica) every op, ms. */
  readonly ms: number;
}

function openVault(file: string): { db: Db; svc: CrmService } {
  const db = openEncryptedDatabase(file, randomBytes(32));
  migrate(db, [crmMigrations]);
  return { db, svc: new CrmService(db, Date.now) };
}

function sizes(db: Db, file: string, ms: number): Measured {
  db.exec('VACUUM');
  const b = bytes(db);
  db.close();
  return { oplog: b.oplog, file: statSync(file).size, ms };
}

/** The importer's bulk write of `contacts` contacts and a note each, then every op acknowledged. */
function pushing(ctx: BenchContext, contacts: number, compact: boolean, keep: Change[] | null): Measured {
  const file = path.join(ctx.dir, `storage-push-${compact ? 'compacted' : 'today'}.db`);
  const { db, svc } = openVault(file);
  const r = rng(7);
  const people = [];
  const notes = [];
  for (let i = 0; i < contacts; i++) {
    const p = person(r, i);
    const title = pick(r, ['Buyer', 'CEO', '采购经理', 'Engineer']);
    people.push({ name: p.name, emails: [p.email], phones: [p.phone], title });
    notes.push({ kind: 'note' as const, occurredAt: 1_700_000_000_000 + i * 60_000, body: note(r) });
  }
  const ids = svc.createMany(contactDef, people);
  svc.createMany(
    activityDef,
    notes.map((n, i) => ({ ...n, contactId: ids[i] })),
  );
  const mark = db.prepare("UPDATE crm_oplog SET sync_state = 'pushed', pushed_at = ? WHERE seq = ?");
  let ms = 0;
  for (;;) {
    const rows = svc.oplog.pending(PUSH_BATCH);
    if (rows.length === 0) break;
    // What the server now holds, for the pulling replica (outside the timed part).
    keep?.push(...rows.map((x) => ({ ...x, fields: x.fields })));
    const seqs = rows.map((x) => x.seq);
    const t = performance.now();
    svc.tx(() => {
      if (compact) svc.oplog.markPushed(seqs, 1);
      else for (const seq of seqs) mark.run(1, seq);
    });
    ms += performance.now() - t;
  }
  return sizes(db, file, ms);
}

/** Another device pulling those ops, a page of 500 per transaction, through the change writer. */
function pulling(ctx: BenchContext, ops: readonly Change[], compact: boolean): Measured {
  const file = path.join(ctx.dir, `storage-pull-${compact ? 'compacted' : 'today'}-${ops.length}.db`);
  const { db, svc } = openVault(file);
  svc.writer.compactApplied = compact;
  const t = performance.now();
  for (let at = 0; at < ops.length; at += PUSH_BATCH)
    svc.writer.apply(ops.slice(at, at + PUSH_BATCH), 'remote');
  return sizes(db, file, performance.now() - t);
}

/** What crm migration 14 costs a vault holding `ops` settled in today's layout: its compaction sweep, ms. */
function migrating(ctx: BenchContext, ops: readonly Change[]): number {
  const file = path.join(ctx.dir, 'storage-migrate.db');
  const { db, svc } = openVault(file);
  svc.writer.compactApplied = false;
  for (let at = 0; at < ops.length; at += PUSH_BATCH)
    svc.writer.apply(ops.slice(at, at + PUSH_BATCH), 'remote');
  const t = performance.now();
  const n = db.transaction(() => compactSettled(db))();
  const ms = performance.now() - t;
  if (n !== ops.length) throw new Error(`migration 14 compacted ${n} of ${ops.length} rows`);
  db.close();
  return ms;
}

/**
 * Sizes after the server holds every op, with compaction (crm migration 14, oplog.elided.ts)
 * against today's layout in the same run: the same contacts (and a note each) written by the
 * importer's bulk path on the pushing vault, then pulled by another replica. Sizes are scaled to
 * 100k contacts; files are measured after VACUUM, as a compacted vault would be.
 */
export function benchStorage(ctx: BenchContext, contacts: number): BenchResult[] {
  const ops: Change[] = [];
  const push = { today: pushing(ctx, contacts, false, ops), compacted: pushing(ctx, contacts, true, null) };
  // A first pull warms the writer's code and statements up, so neither timed pull pays for it.
  pulling(ctx, ops.slice(0, 4 * PUSH_BATCH), true);
  const pull = { today: pulling(ctx, ops, false), compacted: pulling(ctx, ops, true) };
  const migrateMs = migrating(ctx, ops);
  const mib = (n: number) => (n / 2 ** 20) * (100_000 / contacts);
  const per1k = (ms: number) => ms / (ops.length / 1000);
  ctx.log(
    `storage: op log ${mib(push.today.oplog).toFixed(1)} -> ${mib(push.compacted.oplog).toFixed(1)} MiB, ` +
      `file ${mib(push.today.file).toFixed(1)} -> ${mib(push.compacted.file).toFixed(1)} MiB per 100k`,
  );
  const today = 'baseline: today, same rows';
  return [
    result(
      `crm.storage op log per 100k contacts + 1 note each, pushed (${today})`,
      mib(push.compacted.oplog),
      'MiB',
      mib(push.today.oplog),
    ),
    result(
      `crm.storage vault file per 100k contacts after VACUUM, pushed (${today})`,
      mib(push.compacted.file),
      'MiB',
      mib(push.today.file),
    ),
    result(
      `crm.storage op log per 100k contacts, pulled by another replica (${today})`,
      mib(pull.compacted.oplog),
      'MiB',
      mib(pull.today.oplog),
    ),
    result(
      `crm.storage vault file per 100k contacts after VACUUM, pulled (${today})`,
      mib(pull.compacted.file),
      'MiB',
      mib(pull.today.file),
    ),
    result(
      'crm.storage acknowledging pushed ops, per 1k (baseline: marking them only)',
      per1k(push.compacted.ms),
      'ms',
      per1k(push.today.ms),
    ),
    result(
      "crm.storage migration 14 on a vault in today's layout, per 100k contacts + 1 note each",
      (migrateMs / 1000) * (100_000 / contacts),
      's',
    ),
    result(
      'crm.storage applying pulled ops, per 1k (baseline: without compaction)',
      per1k(pull.compacted.ms),
      'ms',
      per1k(pull.today.ms),
    ),
  ];
}
