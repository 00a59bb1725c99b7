import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountDef,
  activityDef,
  contactDef,
  DEFAULT_PIPELINE_ID,
  dealDef,
  taskDef,
} from '../../../../electron/services/crm/crm.entities';
import { erasePerson } from '../../../../electron/services/crm/privacy.service';
import type { Db } from '../../../../electron/services/db/database';
import { tempDir } from '../../support/tmp';
import { applyPage, openReplica, pushPending, stateOf, type Replica } from '../sync/support/replica';

const word = fc.constantFrom('Ada', 'Bo Li', '张伟', '王芳', 'Émile', 'Zoë', 'ACME GmbH', 'quote');
const email = fc.constantFrom('ada@example.com', 'zhang.wei@example.cn', 'b2@x.test');
const phone = fc.constantFrom('+49 30 1234', '555-0100', '+86 190 1111 2222');
const STAGES = ['lead', 'qualified', 'proposal'];

type Action =
  | { kind: 'contact'; name: string; emails: string[]; phones: string[]; notes: string }
  | { kind: 'bulk'; names: string[]; email: string }
  | { kind: 'account'; name: string }
  | { kind: 'deal'; name: string; stage: number; amount: number }
  | { kind: 'activity'; subject: string; pick: number }
  | { kind: 'task'; title: string; done: boolean }
  | { kind: 'update'; pick: number; name: string; title: string | null }
  | { kind: 'move'; pick: number; stage: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'erase'; pick: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('contact' as const),
    name: word,
    emails: fc.uniqueArray(email, { maxLength: 2 }),
    phones: fc.uniqueArray(phone, { maxLength: 2 }),
    notes: fc.constantFrom('', 'pricing call 价格', 'met at the fair'),
  }),
  fc.record({
    kind: fc.constant('bulk' as const),
    names: fc.array(word, { minLength: 1, maxLength: 4 }),
    email,
  }),
  fc.record({ kind: fc.constant('account' as const), name: word }),
  fc.record({
    kind: fc.constant('deal' as const),
    name: word,
    stage: fc.integer({ min: 0, max: 2 }),
    amount: fc.integer({ min: 0, max: 10_000 }),
  }),
  fc.record({ kind: fc.constant('activity' as const), subject: word, pick: fc.nat() }),
  fc.record({ kind: fc.constant('task' as const), title: word, done: fc.boolean() }),
  fc.record({
    kind: fc.constant('update' as const),
    pick: fc.nat(),
    name: word,
    title: fc.option(word, { nil: null }),
  }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), stage: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('erase' as const), pick: fc.nat() }),
);

function live(r: Replica, table: string): string[] {
  return r.db
    .prepare<[], { id: string }>(`SELECT id FROM ${table} WHERE deleted_at IS NULL ORDER BY id`)
    .all()
    .map((x) => x.id);
}

function run(r: Replica, a: Action): void {
  const crm = r.crm;
  const pick = (table: string, n: number): string | null => {
    const ids = live(r, table);
    return ids.length ? ids[n % ids.length]! : null;
  };
  switch (a.kind) {
    case 'contact':
      crm.create(contactDef, { name: a.name, emails: a.emails, phones: a.phones, notes: a.notes });
      return;
    case 'bulk':
      // The importer's path: many rows written by one statement per table.
      crm.createMany(
        contactDef,
        a.names.map((name) => ({ name, emails: [a.email] })),
      );
      return;
    case 'account':
      crm.create(accountDef, { name: a.name, tags: ['vip'] });
      return;
    case 'deal':
      crm.create(dealDef, {
        name: a.name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: STAGES[a.stage],
        amountMinor: a.amount,
        currency: 'CNY',
      });
      return;
    case 'activity':
      crm.create(activityDef, {
        kind: 'visit',
        occurredAt: 1_800_000_000_000,
        subject: a.subject,
        contactId: pick('crm_contacts', a.pick),
      });
      return;
    case 'task':
      crm.create(taskDef, { title: a.title, done: a.done, dueAt: 1_800_000_100_000 });
      return;
    case 'update': {
      const id = pick('crm_contacts', a.pick);
      if (id) crm.update(contactDef, id, { name: a.name, title: a.title });
      return;
    }
    case 'move': {
      const id = pick('crm_deals', a.pick);
      if (id) crm.moveDeal(id, STAGES[a.stage]!, 0);
      return;
    }
    case 'delete': {
      const id = pick('crm_contacts', a.pick);
      if (id) crm.delete(contactDef, id);
      return;
    }
    case 'erase': {
      const id = pick('crm_contacts', a.pick);
      if (id) erasePerson(crm, id);
      return;
    }
  }
}

describe('one writer for local and remote changes (property)', () => {
  it('the same changes written locally and applied remotely give byte-identical rows, stamps and search documents', () => {
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (actions, pageSize) => {
          const dir = tempDir('fv-writer-');
          let t = 1_800_000_000_000;
          const origin = openReplica(dir, 'origin', () => (t += 3));
          const receiver = openReplica(dir, 'receiver', () => (t += 3));
          try {
            for (const a of actions) run(origin, a);
            const changes = pushPending(origin);
            for (let i = 0; i < changes.length; i += pageSize)
              applyPage(receiver, changes.slice(i, i + pageSize));
            expect(stateOf(receiver.db)).toEqual(stateOf(origin.db));
          } finally {
            origin.close();
            receiver.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** What the writer stores beyond the replicated state: every op-log row (seq is local) and the reporting tables. */
function writtenOf(db: Db): Record<string, unknown[]> {
  const all = (sql: string): unknown[] => db.prepare(sql).all();
  return {
    ...stateOf(db),
    oplog: all(
      `SELECT op_id, entity, record_id, hlc, device_id, fields, elided, sync_state
       FROM crm_oplog ORDER BY record_id, hlc`,
    ),
    stints: all('SELECT * FROM crm_deal_stage_history ORDER BY deal_id, seq'),
    dealReport: all('SELECT * FROM crm_deal_report ORDER BY deal_id'),
    activityDays: all('SELECT * FROM crm_activity_days ORDER BY day, author, kind'),
  };
}

describe('the fresh-record path (changes.fresh.ts)', () => {
  it('leaves exactly the rows the per-record path does, whatever the paging, order and duplicate deliveries', () => {
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }),
        (actions, pageSize, reverse, repeats) => {
          const dir = tempDir('fv-fresh-');
          let t = 1_800_000_000_000;
          const origin = openReplica(dir, 'origin', () => (t += 3));
          const fresh = openReplica(dir, 'fresh', () => (t += 3));
          const perRecord = openReplica(dir, 'per-record', () => (t += 3));
          perRecord.crm.writer.freshPath = false;
          try {
            for (const a of actions) run(origin, a);
            const pushed = pushPending(origin);
            const changes = reverse ? [...pushed].reverse() : pushed;
            // Some changes delivered twice inside one batch: the second is a duplicate on either path.
            const batch = [...changes, ...changes.slice(0, repeats)];
            const results = [fresh, perRecord].map((r) => {
              const out: { added: number; duplicates: number; rejected: number; records: unknown[] }[] = [];
              for (let i = 0; i < batch.length; i += pageSize) {
                const result = r.crm.writer.apply(batch.slice(i, i + pageSize), 'remote');
                out.push({
                  added: result.added,
                  duplicates: result.duplicates,
                  rejected: result.rejected.length,
                  records: [...result.records].sort(([a], [b]) => (a < b ? -1 : 1)),
                });
              }
              return out;
            });
            expect(results[0]).toEqual(results[1]);
            expect(writtenOf(fresh.db)).toEqual(writtenOf(perRecord.db));
            expect(stateOf(fresh.db)).toEqual(stateOf(origin.db));
          } finally {
            origin.close();
            fresh.close();
            perRecord.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
