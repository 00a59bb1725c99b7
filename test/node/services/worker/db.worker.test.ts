import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportCsv } from '../../../../electron/services/crm/export.csv';
import { commitContacts } from '../../../../electron/services/crm/import.csv';
import { NO_CONTROL } from '../../../../electron/services/crm/import.file';
import { commitRecords } from '../../../../electron/services/crm/import.records.commit';
import type { Db } from '../../../../electron/services/db/database';
import { silentLogger, type Logger } from '../../../../electron/services/log/logger';
import { DbWorkers } from '../../../../electron/services/worker/db.worker.client';
import { WriteGate } from '../../../../electron/services/worker/write.gate';
import type { ModuleContext } from '../../../../electron/services/module';
import { channels, type EventName } from '../../../../shared/ipc/contract';
import { checkSearchIndex, createCrmFixture, type CrmFixture } from '../crm/support/crm.fixture';

type Row = Record<string, unknown>;

const TABLES = ['crm_contacts', 'crm_accounts', 'crm_deals', 'crm_oplog', 'crm_search_docs'];

function counts(db: Db): number[] {
  return TABLES.map((t) => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${t}`).get()!.n);
}

/**
 * Everything an import leaves in the vault, with record ids replaced by their position (ids and
 * stamps are random or time-based): rows, accounts, the op log with its sync state, search documents.
 */
function footprint(db: Db): Row {
  const ids = [
    ...db.prepare<[], { id: string }>('SELECT id FROM crm_accounts ORDER BY id').all(),
    ...db.prepare<[], { id: string }>('SELECT id FROM crm_contacts ORDER BY id').all(),
    ...db.prepare<[], { id: string }>('SELECT id FROM crm_deals ORDER BY id').all(),
  ].map((r) => r.id);
  const pos = (id: unknown) => (typeof id === 'string' && ids.includes(id) ? `#${ids.indexOf(id)}` : id);
  const strip = (r: Row): Row => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      if (['created_at', 'updated_at', 'created_by', 'updated_by', 'stage_changed_at'].includes(k)) continue;
      out[k] = pos(v);
    }
    return out;
  };
  const ops = db
    .prepare<[], Row>('SELECT entity, record_id, fields, sync_state FROM crm_oplog ORDER BY seq')
    .all()
    .map((r) => {
      const fields = JSON.parse(String(r.fields)) as Row;
      for (const k of Object.keys(fields)) fields[k] = pos(fields[k]);
      delete fields.stageChangedAt;
      return { ...r, record_id: pos(r.record_id), fields };
    });
  return {
    accounts: db.prepare<[], Row>('SELECT * FROM crm_accounts ORDER BY id').all().map(strip),
    contacts: db.prepare<[], Row>('SELECT * FROM crm_contacts ORDER BY id').all().map(strip),
    deals: db.prepare<[], Row>('SELECT * FROM crm_deals ORDER BY id').all().map(strip),
    ops,
    docs: db
      .prepare<[], Row>(
        'SELECT rowid, entity, record_id, title, body, digits, emails FROM crm_search_docs ORDER BY rowid',
      )
      .all()
      .map(strip),
  };
}

/** A contact file with duplicates (by e-mail and phone), a bad row, shared companies and CJK names. */
function contactCsv(rows: number): string {
  const lines = ['Name,Email,Phone,Company,Tags,Notes'];
  for (let i = 0; i < rows; i++) {
    const name = i % 7 === 0 ? `张伟${i}` : `Person ${i}`;
    const email = i % 50 === 49 ? `p${i - 1}@example.com` : `p${i}@example.com`;
    const phone = i % 13 === 0 ? '' : `+49 30 ${String(1_000_000 + i)}`;
    lines.push(`${i % 97 === 96 ? '' : name},${email},${phone},Company ${i % 11},"a;b",note ${i}`);
  }
  return lines.join('\n') + '\n';
}

function ctxOf(now: () => number): ModuleContext {
  return { dataDir: '', logger: silentLogger, emit: () => undefined, now };
}

/** Calls import.commit and runs `during` once, at the first progress event that matches. */
async function importWith(
  f: CrmFixture,
  input: Row,
  when: (payload: { done: number; analysed?: number }) => boolean,
  during: () => void,
) {
  let fired = false;
  const off = f.router.onEvent((event: EventName, payload) => {
    if (fired || event !== 'import.progressed') return;
    const p = payload as { done: number; analysed?: number };
    if (!when(p)) return;
    fired = true;
    during();
  });
  try {
    return await f.call('import.commit', input);
  } finally {
    off();
    expect(fired).toBe(true);
  }
}

describe('database worker: imports off the main event loop', () => {
  it('imports exactly what the in-process path imports: rows, accounts, pending ops, search', async () => {
    const now = () => 1_750_000_000_000;
    const viaWorker = await createCrmFixture({ now });
    const inProcess = await createCrmFixture({ now });
    const csv = contactCsv(3000);
    const input = { csv, onRowError: 'skipRows' as const };
    const a = await viaWorker.ok('import.commit', input);
    const b = await commitContacts(
      inProcess.services.parts.crm(),
      channels['import.commit'].input.parse(input),
      ctxOf(now),
      NO_CONTROL,
    );
    expect(a).toEqual(b);
    expect(a.created).toBeGreaterThan(2800);
    expect(a.skippedDuplicates).toBeGreaterThan(0);
    expect(a.skippedRows).toBeGreaterThan(0);
    expect(footprint(viaWorker.db)).toEqual(footprint(inProcess.db));
    checkSearchIndex(viaWorker.db);
    // The worker checkpointed its whole transaction and truncated the WAL: main inherits no copy work.
    // What the WAL holds now is main's own security-log record of the import (a few pages), not the
    // thousands of pages the import wrote.
    expect(statSync(`${viaWorker.services.parts.vault.dbFile}-wal`).size).toBeLessThan(8 * 16 * 1024);
    // Announced after commit, as a local change, like the in-process path.
    const changed = viaWorker.events.filter((e) => e.event === 'records.changed');
    expect(changed.at(-1)?.payload).toMatchObject({ origin: 'local' });

    // Deals (the per-row path through the writer), linking the accounts just imported by name.
    const deals = 'Name,Amount,Account,Stage\nBig deal,1200,Company 1,\nSmall deal,30,Company 99,\n';
    const c = await viaWorker.ok('import.commit', { csv: deals, entity: 'deal' });
    const d = await commitRecords(
      inProcess.services.parts.crm(),
      channels['import.commit'].input.parse({ csv: deals, entity: 'deal' }),
      ctxOf(now),
      NO_CONTROL,
    );
    expect(c).toEqual(d);
    expect(footprint(viaWorker.db)).toEqual(footprint(inProcess.db));
  });

  it('exports on the worker what the in-process export writes; one taken during an import sees all of it or none', async () => {
    const f = await createCrmFixture();
    await f.ok('import.commit', { csv: contactCsv(500), onRowError: 'skipRows' });
    const svc = f.services.parts.crm();
    const before = exportCsv(svc, 'contact', null, null);
    expect(await f.ok('export.csv', { entity: 'contact' })).toEqual(before);
    let exported: Promise<unknown> = Promise.resolve();
    const result = await importWith(
      f,
      { csv: contactCsv(20_000).replace(/p(\d+)@/g, 'q$1@'), onRowError: 'skipRows', importId: 'beside' },
      (p) => p.done > 0,
      () => {
        exported = f.ok('export.csv', { entity: 'contact' });
      },
    );
    expect(result.ok).toBe(true);
    const after = exportCsv(svc, 'contact', null, null);
    expect(after.count).toBeGreaterThan(before.count);
    // Not gated (it never waits for the import) and never a half-written state: the last commit's.
    const seen = await exported;
    expect([before, after]).toContainEqual(seen);
  });

  it('answers reads during the import, holds writes until it commits, and stamps them after it', async () => {
    const f = await createCrmFixture();
    // A list total counted (and cached) before the import must see the rows another connection wrote.
    expect((await f.ok('contacts.list', {})).total).toBe(0);
    const order: string[] = [];
    let reads: Promise<unknown>[] = [];
    let write: Promise<unknown> = Promise.resolve();
    let contactsAtCreate = -1;
    const result = await importWith(
      f,
      { csv: contactCsv(20_000), onRowError: 'skipRows', importId: 'big' },
      (p) => p.done > 0,
      () => {
        reads = [
          f.ok('app.info', undefined).then(() => order.push('app.info')),
          f.ok('contacts.list', {}).then(() => order.push('contacts.list')),
        ];
        write = f.ok('contacts.create', { name: 'Typed meanwhile' }).then(() => {
          order.push('create');
          // Held until the import committed: by then every imported row is there.
          contactsAtCreate =
            f.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_contacts').get()?.n ?? 0;
        });
      },
    ).then((r) => {
      order.push('import');
      return r;
    });
    await Promise.all([...reads, write]);
    expect(result.ok).toBe(true);
    expect(order.indexOf('app.info')).toBeLessThan(order.indexOf('import'));
    expect(order.indexOf('contacts.list')).toBeLessThan(order.indexOf('import'));
    const created = result.ok ? result.value.created : 0;
    // (The call's answer and the held write race once the import commits: the security log records
    // the import on its way back, so compare what the write saw, not which promise settled first.)
    expect(order.indexOf('create')).toBeGreaterThan(order.indexOf('app.info'));
    expect(contactsAtCreate).toBe(created + 1);
    const accounts = result.ok ? result.value.accountsCreated : 0;
    expect((await f.ok('contacts.list', {})).total).toBe(created + 1);
    // The edit made after the import sorts after every op the worker stamped.
    const newest = f.db
      .prepare<[], { hlc: string; fields: string }>(
        'SELECT hlc, fields FROM crm_oplog ORDER BY hlc DESC LIMIT 1',
      )
      .get()!;
    expect(newest.fields).toContain('Typed meanwhile');
    // Every imported op waits for the sync outbox, like the edit after it.
    const pending = f.db
      .prepare<[], { n: number }>("SELECT count(*) AS n FROM crm_oplog WHERE sync_state = 'pending'")
      .get()!.n;
    expect(pending).toBe(created + accounts + 1);
  });

  it('cancel while checking or while writing rolls everything back, and the vault takes writes after', async () => {
    const f = await createCrmFixture();
    const before = counts(f.db);
    for (const phase of ['checking', 'writing'] as const) {
      const result = await importWith(
        f,
        { csv: contactCsv(40_000), onRowError: 'skipRows', importId: `c-${phase}` },
        (p) => (phase === 'writing' ? p.done > 0 : p.done === 0 && (p.analysed ?? 0) > 0),
        () => void f.ok('import.cancel', { importId: `c-${phase}` }),
      );
      expect(result).toMatchObject({ ok: false, error: { code: 'IMPORT_CANCELLED' } });
      expect(counts(f.db)).toEqual(before);
    }
    expect((await f.ok('search.query', { q: 'Person' })).hits).toEqual([]);
    await f.ok('contacts.create', { name: 'After cancel' });
    expect(await f.ok('import.cancel', { importId: 'c-writing' })).toEqual({ cancelled: false });
  });

  it('a worker that dies mid-transaction gives a typed error and leaves the vault intact and writable', async () => {
    const f = await createCrmFixture({ tuning: { dbWorkerFault: 'exit-while-writing' } });
    await f.ok('contacts.create', { name: 'Before' });
    const before = counts(f.db);
    const result = await f.call('import.commit', { csv: contactCsv(10_000), onRowError: 'skipRows' });
    expect(result).toMatchObject({ ok: false, error: { code: 'DB_WORKER_FAILED' } });
    expect(counts(f.db)).toEqual(before);
    expect(f.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The dead thread holds no lock: main writes at once, and a reopened vault shows the same rows.
    await f.ok('contacts.create', { name: 'After' });
    await f.ok('vault.lock', undefined);
    await f.ok('vault.unlock', undefined);
    expect(counts(f.db)[0]).toBe(before[0]! + 1);
    expect(f.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a lock during the import stops it (VAULT_LOCKED), ends the worker, and the reopened vault is unchanged', async () => {
    const f = await createCrmFixture();
    await f.ok('contacts.create', { name: 'Before' });
    const before = counts(f.db);
    const result = await importWith(
      f,
      { csv: contactCsv(40_000), onRowError: 'skipRows', importId: 'locked' },
      (p) => p.done > 0,
      () => void f.ok('vault.lock', undefined),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
    expect(f.services.parts.vault.access.isUnlocked()).toBe(false);
    await f.ok('vault.unlock', undefined);
    expect(counts(f.db)).toEqual(before);
    expect(f.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // After the lock, a new import runs normally on a fresh worker with the key read again.
    expect(await f.ok('import.commit', { csv: 'Name\nAfter lock\n' })).toMatchObject({ created: 1 });
  });

  it('hands the worker a transferred copy of the key, which the worker zeroes once SQLite has it', async () => {
    const f = await createCrmFixture();
    const given: Uint8Array[] = [];
    const logged: string[] = [];
    const logger: Logger = { log: (_level, event) => logged.push(event), child: () => logger };
    const workers = new DbWorkers({
      keys: {
        keyForWorker: () => {
          const source = f.services.parts.vault.keyForWorker();
          given.push(source.key);
          return source;
        },
      },
      gate: new WriteGate(),
      logger,
      now: Date.now,
    });
    const preview = await workers.run(
      { kind: 'import.preview', input: channels['import.preview'].input.parse({ csv: 'Name\nAnn\n' }) },
      { writes: false, onEvent: () => undefined },
    ).result;
    expect(preview).toMatchObject({ value: { valid: 1 }, lastHlc: null });
    // The buffer moved to the worker: main's copy is detached, nothing of the key is left here.
    expect(given).toHaveLength(1);
    expect(given[0]!.byteLength).toBe(0);
    expect(logged).not.toContain('dbWorker.keyNotZeroed');
    expect(workers.active).toBe(0);
    // The thread stays for the next job (no key, no connection) and serves it with a new copy.
    expect(workers.threadCount).toBe(1);
    await workers.run(
      { kind: 'import.preview', input: channels['import.preview'].input.parse({ csv: 'Name\nBo\n' }) },
      { writes: false, onEvent: () => undefined },
    ).result;
    expect(given).toHaveLength(2);
    expect(given[1]!.byteLength).toBe(0);
    expect(workers.threadCount).toBe(1);
    // Background work: on Linux the worker thread (only it) runs niced; main keeps its priority.
    if (process.platform === 'linux') {
      const nice = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const tasks = readdirSync('/proc/self/task').map((tid) => ({
        tid: Number(tid),
        nice: nice(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')),
        comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
      }));
      expect(tasks.find((t) => t.tid === process.pid)?.nice).toBe(0);
      // Worker threads only (this file's other pools keep theirs idle): no V8 or libuv thread of main's.
      const niced = tasks.filter((t) => t.nice !== 0);
      expect(niced.length).toBeGreaterThanOrEqual(1);
      expect(niced.every((t) => t.nice === 10 && t.comm === 'WorkerThread')).toBe(true);
    }
    // A lock ends every thread.
    workers.lockAll();
    while (workers.threadCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logged).not.toContain('dbWorker.keyNotZeroed');
  });
});
