import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID, entityDefs } from '../../../../electron/services/crm/crm.entities';
import { toColumn } from '../../../../electron/services/crm/records.repository';
import type { Db } from '../../../../electron/services/db/database';
import { compareHlc, parseHlc } from '../../../../shared/domain/hlc';
import { crmChannels } from '../../../../shared/ipc/channels/crm.channels';
import type { ChannelName } from '../../../../shared/ipc/contract';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

type Row = Record<string, unknown>;
type Snapshot = Map<string, Map<string, Row>>;

function snapshot(db: Db): Snapshot {
  const out: Snapshot = new Map();
  for (const def of Object.values(entityDefs)) {
    const rows = db.prepare<[], Row>(`SELECT * FROM ${def.table}`).all();
    out.set(def.kind, new Map(rows.map((r) => [r.id as string, r])));
  }
  return out;
}

interface Op {
  seq: number;
  entity: string;
  record_id: string;
  fields: string | null;
  hlc: string;
  device_id: string;
  sync_state: string;
}

const maxSeq = (db: Db) =>
  (db.prepare('SELECT coalesce(max(seq), 0) AS s FROM crm_oplog').get() as { s: number }).s;

/**
 * Every column change of every record between two snapshots must be matched by an op (same record,
 * field and value) written after `sinceSeq`; new records need ops for every non-default field.
 */
function expectCaptured(db: Db, before: Snapshot, after: Snapshot, sinceSeq: number): number {
  const ops = db.prepare<[number], Op>('SELECT * FROM crm_oplog WHERE seq > ? ORDER BY seq').all(sinceSeq);
  const latest = new Map<string, { entity: string; value: unknown }>();
  for (const op of ops) {
    expect(op.sync_state).toBe('pending');
    expect(parseHlc(op.hlc)).not.toBeNull();
    const fields = JSON.parse(op.fields ?? '{}') as Record<string, unknown>;
    for (const [field, value] of Object.entries(fields))
      latest.set(`${op.record_id}/${field}`, { entity: op.entity, value });
  }
  let changes = 0;
  for (const def of Object.values(entityDefs)) {
    for (const [id, row] of after.get(def.kind)!) {
      const old = before.get(def.kind)!.get(id);
      const check = (field: string, stored: unknown, fieldDef: Parameters<typeof toColumn>[0] | null) => {
        changes++;
        const op = latest.get(`${id}/${field}`);
        expect(op, `${def.kind}.${field} changed without an op`).toBeDefined();
        expect(op!.entity).toBe(def.kind);
        const value = op!.value;
        expect(fieldDef ? toColumn(fieldDef, value) : value).toEqual(stored);
      };
      for (const [field, fd] of Object.entries(def.fields)) {
        const now = row[fd.column];
        if (field === 'custom') {
          // Custom values are captured one op per field (`cf:<id>`), never as the folded object.
          const was = JSON.parse(typeof old?.custom === 'string' ? old.custom : '{}') as Row;
          const is = JSON.parse(typeof now === 'string' ? now : '{}') as Row;
          for (const key of new Set([...Object.keys(was), ...Object.keys(is)]))
            if (JSON.stringify(was[key]) !== JSON.stringify(is[key]))
              check(`cf:${key}`, is[key] ?? null, null);
          expect(latest.has(`${id}/custom`), `${def.kind}.custom written whole`).toBe(false);
          continue;
        }
        if (old) {
          if (old[fd.column] !== now) check(field, now, fd);
        } else if (!(field in def.defaults) || toColumn(fd, def.defaults[field]) !== now) {
          check(field, now, fd);
        }
      }
      if ((old?.deleted_at ?? null) !== row.deleted_at) check('deletedAt', row.deleted_at, null);
    }
  }
  return changes;
}

const MUTATING = new Set<ChannelName>([
  'accounts.create',
  'accounts.update',
  'accounts.delete',
  'contacts.create',
  'contacts.update',
  'contacts.delete',
  'deals.create',
  'deals.update',
  'deals.delete',
  'deals.move',
  'activities.create',
  'activities.update',
  'activities.delete',
  'tasks.create',
  'tasks.update',
  'tasks.delete',
  'pipelines.create',
  'pipelines.update',
  'pipelines.delete',
  'import.commit',
  'privacy.erasePerson',
  'records.restore',
  'records.merge',
  'customFields.create',
  'customFields.update',
  'customFields.delete',
]);

describe('change capture', () => {
  it('records every field change of every mutating channel as a pending op in the same transaction', async () => {
    const f = await createCrmFixture();
    const exercised = new Set<ChannelName>();
    const run = async (fx: CrmFixture, channel: ChannelName, input: unknown) => {
      const before = snapshot(fx.db);
      const since = maxSeq(fx.db);
      const value = await fx.ok(channel, input);
      const changes = expectCaptured(fx.db, before, snapshot(fx.db), since);
      if (MUTATING.has(channel)) expect(changes, channel).toBeGreaterThan(0);
      else expect(changes, channel).toBe(0);
      exercised.add(channel);
      return value as { id: string };
    };
    const acc = await run(f, 'accounts.create', { name: 'Acme', domain: 'acme.example', tags: ['a'] });
    await run(f, 'accounts.update', {
      id: acc.id,
      patch: { industry: 'Tools', tags: ['a', 'b'], phone: null },
    });
    const c = await run(f, 'contacts.create', {
      name: 'Ann Lee',
      emails: ['ann@acme.example'],
      accountId: acc.id,
    });
    await run(f, 'contacts.update', {
      id: c.id,
      patch: { phones: ['+1 555 0100'], consent: { marketingOptIn: true, recordedAt: 5, source: 'web' } },
    });
    const p = await run(f, 'pipelines.create', {
      name: 'Partners',
      stages: [
        { id: 's1', name: 'One', probability: 10 },
        { id: 's2', name: 'Two', probability: 60 },
      ],
    });
    await run(f, 'pipelines.update', { id: p.id, patch: { name: 'Partner deals' } });
    const cf = await run(f, 'customFields.create', { entity: 'contact', kind: 'text', label: 'Hobby' });
    await run(f, 'customFields.update', { id: cf.id, patch: { label: 'Hobbies', position: 3 } });
    await run(f, 'customFields.get', { id: cf.id });
    await run(f, 'customFields.list', {});
    await run(f, 'contacts.update', { id: c.id, patch: { custom: { [cf.id]: 'sailing' } } });
    await run(f, 'contacts.update', { id: c.id, patch: { custom: { [cf.id]: null } } });
    await run(f, 'contacts.update', { id: c.id, patch: { custom: { [cf.id]: 'chess' } } });
    const cf2 = await run(f, 'customFields.create', { entity: 'deal', kind: 'checkbox', label: 'Old' });
    await run(f, 'customFields.delete', { id: cf2.id });
    const d = await run(f, 'deals.create', {
      name: 'Big',
      pipelineId: p.id,
      stageId: 's1',
      amountMinor: 500_00,
      contactIds: [c.id],
      accountId: acc.id,
    });
    const d2 = await run(f, 'deals.create', {
      name: 'Small',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
    });
    await run(f, 'deals.update', { id: d.id, patch: { status: 'won', statusReason: 'price' } });
    await run(f, 'deals.move', { id: d.id, stageId: 's2', index: 0 });
    const a = await run(f, 'activities.create', {
      kind: 'visit',
      occurredAt: 1000,
      contactId: c.id,
      body: 'visited',
    });
    await run(f, 'activities.update', { id: a.id, patch: { outcome: 'good', durationMinutes: 30 } });
    const t = await run(f, 'tasks.create', { title: 'Call back', contactId: c.id, dueAt: 5000 });
    await run(f, 'tasks.update', { id: t.id, patch: { done: true } });
    for (const ch of [
      'accounts.get',
      'contacts.get',
      'deals.get',
      'activities.get',
      'tasks.get',
      'pipelines.get',
    ] as const)
      await run(f, ch, {
        id: {
          'accounts.get': acc.id,
          'contacts.get': c.id,
          'deals.get': d.id,
          'activities.get': a.id,
          'tasks.get': t.id,
          'pipelines.get': p.id,
        }[ch],
      });
    for (const ch of [
      'accounts.list',
      'contacts.list',
      'deals.list',
      'activities.list',
      'tasks.list',
      'pipelines.list',
    ] as const)
      await run(f, ch, {});
    await run(f, 'deals.sumByStage', { filter: {} });
    await run(f, 'timeline.get', { entity: 'contact', id: c.id });
    await run(f, 'search.query', { q: 'ann' });
    const csv = 'Name,Email,Company\r\nBo Chen,bo@x.example,Acme\r\nCy Dee,cy@y.example,NewCo\r\n';
    await run(f, 'import.preview', { csv });
    await run(f, 'import.commit', { csv });
    await run(f, 'import.cancel', { importId: 'not-running' });
    await run(f, 'export.csv', { entity: 'contact' });
    await run(f, 'duplicates.find', { entity: 'contact', name: 'Bo  Chen' });
    const twin = await run(f, 'contacts.create', { name: 'Bo Chen', phones: ['+1 555 0199'] });
    const bo = (await f.ok('contacts.list', {})).items.find((x) => x.name === 'Bo Chen' && x.id !== twin.id)!;
    await run(f, 'records.merge', { entity: 'contact', intoId: bo.id, fromId: twin.id, take: ['phones'] });
    await run(f, 'export.vcard', {});
    await run(f, 'privacy.exportPerson', { contactId: c.id });
    await run(f, 'agenda.exportIcs', { from: 0, to: 90 * 24 * 3600 * 1000 });
    await run(f, 'activities.exportIcs', { id: a.id });
    await run(f, 'tasks.delete', { id: t.id });
    await run(f, 'records.restore', { entity: 'task', id: t.id });
    await run(f, 'tasks.delete', { id: t.id });
    await run(f, 'activities.delete', { id: a.id });
    await run(f, 'deals.delete', { id: d2.id });
    await run(f, 'deals.delete', { id: d.id });
    await run(f, 'pipelines.delete', { id: p.id });
    const a2 = await run(f, 'activities.create', {
      kind: 'note',
      occurredAt: 2000,
      contactId: c.id,
      body: 'private',
    });
    await run(f, 'privacy.erasePerson', { contactId: c.id });
    expect((await f.call('activities.get', { id: a2.id })).ok).toBe(false);
    await run(f, 'contacts.delete', { id: (await f.ok('contacts.list', {})).items[0]!.id });
    await run(f, 'accounts.delete', { id: acc.id });
    // Every channel of the crm contract was exercised above, so a new channel cannot slip past this test.
    expect([...exercised].sort()).toEqual(Object.keys(crmChannels).sort());
  });

  it('stamps ops with increasing HLCs of this vault and lists pending ops in HLC order', async () => {
    const f = await createCrmFixture({ now: () => 1_700_000_000_000 });
    for (let i = 0; i < 5; i++) await f.ok('accounts.create', { name: `A${i}` });
    const ops = f.db
      .prepare<[], Op>("SELECT * FROM crm_oplog WHERE sync_state = 'pending' ORDER BY hlc")
      .all();
    const bySeq = [...ops].sort((x, y) => x.seq - y.seq);
    expect(ops.map((o) => o.seq)).toEqual(bySeq.map((o) => o.seq));
    const stamps = [...new Set(ops.map((o) => o.hlc))].map((h) => parseHlc(h)!);
    for (let i = 1; i < stamps.length; i++) expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBe(-1);
    expect(new Set(ops.map((o) => o.device_id)).size).toBe(1);
  });

  it('rolls back the record and its ops together when a mutation fails half-way', async () => {
    const f = await createCrmFixture();
    const before = snapshot(f.db);
    const since = maxSeq(f.db);
    const bad = await f.call('import.commit', {
      csv: 'Name,Email\r\nOk Person,ok@x.example\r\n,\r\nNo Email,not-an-email\r\n',
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(maxSeq(f.db)).toBe(since);
    expect(snapshot(f.db)).toEqual(before);
  });
});

describe('op log for the sync engine', () => {
  it('hands out pending ops in HLC order, forgets them once pushed, and the writer applies remote rows once', async () => {
    const f = await createCrmFixture();
    const { OpLogRepository, fieldOps } = await import('../../../../electron/services/crm/oplog.repository');
    for (let i = 0; i < 4; i++) await f.ok('accounts.create', { name: `A${i}`, industry: 'x' });
    const log = new OpLogRepository(f.db);
    const pending = log.pending(100);
    expect(pending).toHaveLength(4);
    const hlcs = pending.map((p) => p.hlc);
    expect([...hlcs].sort()).toEqual(hlcs);
    const ops = fieldOps(pending[0]!);
    expect(ops.map((o) => o.field).sort()).toEqual(['industry', 'name']);
    expect(ops[0]!.opId).toMatch(/^[0-9a-f-]{36}\/(name|industry)$/);
    log.markPushed([pending[0]!.seq, pending[1]!.seq], 123);
    expect(log.pending(100).map((p) => p.seq)).toEqual([pending[2]!.seq, pending[3]!.seq]);
    log.markPushed([pending[3]!.seq], 124);
    expect(log.pending(100).map((p) => p.seq)).toEqual([pending[2]!.seq]);
    const remote = {
      opId: '01900000-0000-7000-8000-00000000000a',
      entity: 'account' as const,
      recordId: '01900000-0000-7000-8000-00000000000b',
      hlc: '000000000001-0000-remote',
      deviceId: 'remote',
      fields: '{"name":"R"}',
    };
    const writer = f.services.parts.crm().writer;
    expect(writer.apply([remote], 'remote')).toMatchObject({ added: 1, duplicates: 0, rejected: [] });
    expect(writer.apply([remote], 'remote')).toMatchObject({ added: 0, duplicates: 1, rejected: [] });
    expect(log.pending(100).map((p) => p.seq)).toEqual([pending[2]!.seq]);
    expect(log.pendingCount()).toBe(1);
  });
});
