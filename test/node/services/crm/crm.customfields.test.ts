import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import {
  accountDef,
  contactDef,
  customFieldDef,
  DEFAULT_PIPELINE_ID,
  dealDef,
} from '../../../../electron/services/crm/crm.entities';
import { erasePerson } from '../../../../electron/services/crm/privacy.service';
import { runSearch } from '../../../../electron/services/crm/search.service';
import type { CustomField } from '../../../../shared/domain/crm.schemas';
import { formatHlc } from '../../../../shared/domain/hlc';
import { tempDir } from '../../support/tmp';
import { applyPage, openReplica, pushPending, stateOf, type Replica } from '../sync/support/replica';

let t = 1_800_000_000_000;
const open: Replica[] = [];
function replica(name: string, dir = tempDir('fv-cf-')): Replica {
  const r = openReplica(dir, name, () => (t += 3));
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

function define(r: Replica, input: Record<string, unknown>): CustomField {
  return r.crm.create(customFieldDef, { ...input }) as CustomField;
}

/** A remote change written by another device (its HLC names that device). */
function remote(fields: Record<string, unknown>, entity: string, recordId: string, n = 1): Change {
  const device = 'REMOTEdev001';
  const hlc = formatHlc({ wall: 1_800_000_500_000 + n, counter: 0, deviceId: device });
  return {
    opId: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    entity,
    recordId,
    hlc,
    deviceId: device,
    fields: JSON.stringify(fields),
  };
}

function fieldSet(r: Replica) {
  const text = define(r, { entity: 'contact', kind: 'text', label: 'Hobby' });
  const num = define(r, { entity: 'contact', kind: 'number', label: 'Score' });
  const money = define(r, { entity: 'deal', kind: 'money', label: 'Budget', currency: 'CNY' });
  const date = define(r, { entity: 'contact', kind: 'date', label: 'Birthday' });
  const select = define(r, {
    entity: 'contact',
    kind: 'select',
    label: 'Region',
    options: [
      { id: 'north', label: 'North', archived: false },
      { id: 'south', label: '南方', archived: false },
    ],
  });
  const multi = define(r, {
    entity: 'account',
    kind: 'multiSelect',
    label: 'Products',
    options: [
      { id: 'a', label: 'A', archived: false },
      { id: 'b', label: 'B', archived: false },
    ],
  });
  const check = define(r, { entity: 'contact', kind: 'checkbox', label: 'VIP' });
  return { text, num, money, date, select, multi, check };
}

describe('custom fields through the one writer', () => {
  it('definitions and values written locally and applied remotely give byte-identical state', () => {
    const dir = tempDir('fv-cf-');
    const a = replica('a', dir);
    const b = replica('b', dir);
    const f = fieldSet(a);
    const c = a.crm.create(contactDef, {
      name: '张伟',
      custom: {
        [f.text.id]: '  collects 茶壶  ',
        [f.num.id]: 4.5,
        [f.select.id]: 'south',
        [f.check.id]: true,
      },
    });
    a.crm.update(contactDef, c.id, { custom: { [f.date.id]: '2024-02-29', [f.num.id]: null } });
    a.crm.createMany(contactDef, [
      { name: 'Ann', custom: { [f.text.id]: 'sailing', [f.select.id]: 'north' } },
      { name: 'Bo', custom: {} },
    ]);
    a.crm.create(accountDef, { name: 'Acme', custom: { [f.multi.id]: ['b', 'a'] } });
    a.crm.create(dealDef, {
      name: 'D',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      custom: { [f.money.id]: 123_456 },
    });
    a.crm.update(customFieldDef, f.text.id, { label: 'Hobbies', position: 9 });

    const stored = a.crm.get(contactDef, c.id);
    // Trimmed like any typed text, cleared values left out, keys in id order.
    expect(stored.custom).toEqual({
      [f.text.id]: 'collects 茶壶',
      [f.date.id]: '2024-02-29',
      [f.select.id]: 'south',
      [f.check.id]: true,
    });
    // One op field per custom field: the whole object never travels.
    const ops = pushPending(a);
    expect(ops.some((o) => o.fields?.includes('"custom"'))).toBe(false);
    expect(ops.some((o) => o.fields?.includes(`"cf:${f.text.id}"`))).toBe(true);
    // Applied in small pages, definitions and values in the same page or not.
    for (let i = 0; i < ops.length; i += 3) {
      const result = b.crm.writer.apply(ops.slice(i, i + 3), 'remote');
      expect(result.rejected).toEqual([]);
    }
    expect(stateOf(b.db)).toEqual(stateOf(a.db));
    // Text values are in the search documents (full text) on both sides.
    for (const r of [a, b])
      expect(runSearch(r.crm.search, '茶壶', 10, null).map((h) => h.id)).toContain(c.id);
  });

  it('quarantines ill-typed remote values instead of throwing, and applies the rest of the page', () => {
    const a = replica('a');
    const b = replica('b');
    const f = fieldSet(a);
    const contact = a.crm.create(contactDef, { name: 'Ann' });
    applyPage(b, pushPending(a));
    const id = contact.id;
    const page = [
      remote({ [`cf:${f.num.id}`]: 'twelve' }, 'contact', id, 1),
      remote({ [`cf:${f.select.id}`]: 'west' }, 'contact', id, 2), // not an option
      remote({ [`cf:${f.multi.id}`]: ['a'] }, 'contact', id, 3), // an account's field
      remote({ [`cf:${f.text.id}`]: ' padded ' }, 'contact', id, 4), // not canonical
      remote({ custom: { [f.text.id]: 'whole' } }, 'contact', id, 5), // the folded object itself
      remote({ [`cf:0190a000-0000-7000-8000-00000000dead`]: 'x' }, 'contact', id, 6), // unknown field
      remote({ [`cf:${f.check.id}`]: 1 }, 'contact', id, 7),
      remote({ [`cf:${f.date.id}`]: '2024-13-01' }, 'contact', id, 8),
      remote({ kind: 'number' }, 'customField', f.text.id, 9), // a field never changes kind
      remote({ entity: 'deal' }, 'customField', f.text.id, 10),
      remote({ [`cf:${f.text.id}`]: 'kept' }, 'contact', id, 11),
    ];
    const before = stateOf(b.db);
    const result = b.crm.writer.apply(page, 'remote');
    // Definitions are applied before values, so their two refusals come first.
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'bad_value',
      'bad_value',
      'bad_value',
      'bad_value',
      'unknown_field',
      'bad_value',
      'unknown_field',
      'unknown_field',
      'bad_value',
      'bad_value',
    ]);
    expect(result.added).toBe(1);
    expect(b.crm.get(contactDef, id).custom).toEqual({ [f.text.id]: 'kept' });
    expect(b.crm.writer.customFields.definition(f.text.id)?.kind).toBe('text');
    expect(stateOf(b.db).crm_custom_fields).toEqual(before.crm_custom_fields);
  });

  it('refuses local values that do not fit, naming no value', () => {
    const a = replica('a');
    const f = fieldSet(a);
    const c = a.crm.create(contactDef, { name: 'Ann' });
    const bad = (custom: Record<string, unknown>) => () => a.crm.update(contactDef, c.id, { custom });
    expect(bad({ [f.select.id]: 'west' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(bad({ [f.num.id]: '12' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(bad({ [f.money.id]: 5 })).toThrow(expect.objectContaining({ code: 'VALIDATION' })); // a deal's
    expect(bad({ [f.multi.id]: ['a'] })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(bad({ '0190a000-0000-7000-8000-00000000dead': 'x' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    try {
      bad({ [f.select.id]: 'secret-value' })();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secret-value');
    }
    expect(a.crm.get(contactDef, c.id).custom).toEqual({});
  });

  it('archived fields keep their values, refuse new local ones, and still take remote ones', () => {
    const dir = tempDir('fv-cf-');
    const a = replica('a', dir);
    const b = replica('b', dir);
    const f = fieldSet(a);
    const c = a.crm.create(contactDef, { name: 'Ann', custom: { [f.text.id]: 'before' } });
    applyPage(b, pushPending(a));
    // B edits offline while A archives the field.
    b.crm.update(contactDef, c.id, { custom: { [f.text.id]: 'edited on B' } });
    a.crm.update(customFieldDef, f.text.id, { archived: true });
    expect(() => a.crm.update(contactDef, c.id, { custom: { [f.text.id]: 'x' } })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(a.crm.get(contactDef, c.id).custom).toEqual({ [f.text.id]: 'before' });
    const fromB = pushPending(b);
    const fromA = pushPending(a);
    expect(a.crm.writer.apply(fromB, 'remote').rejected).toEqual([]);
    expect(b.crm.writer.apply(fromA, 'remote').rejected).toEqual([]);
    expect(a.crm.get(contactDef, c.id).custom).toEqual({ [f.text.id]: 'edited on B' });
    expect(stateOf(b.db)).toEqual(stateOf(a.db));
    // Unarchived, the field takes values again.
    a.crm.update(customFieldDef, f.text.id, { archived: false });
    a.crm.update(contactDef, c.id, { custom: { [f.text.id]: 'after' } });
    expect(a.crm.get(contactDef, c.id).custom).toEqual({ [f.text.id]: 'after' });
  });

  it('merges custom fields one by one and keeps concurrent edits of one field for review', () => {
    const dir = tempDir('fv-cf-');
    const a = replica('a', dir);
    const b = replica('b', dir);
    const f = fieldSet(a);
    const c = a.crm.create(contactDef, { name: 'Ann' });
    applyPage(b, pushPending(a));
    a.crm.update(contactDef, c.id, { custom: { [f.text.id]: 'from A', [f.num.id]: 1 } });
    b.crm.update(contactDef, c.id, { custom: { [f.check.id]: true, [f.num.id]: 2 } });
    const fromA = pushPending(a);
    // B's edits are still unsynced when A's arrive: concurrent.
    const atB = b.crm.writer.apply(fromA, 'remote');
    a.crm.writer.apply(pushPending(b), 'remote');
    expect(stateOf(b.db)).toEqual(stateOf(a.db));
    const merged = a.crm.get(contactDef, c.id).custom as Record<string, unknown>;
    expect(merged[f.text.id]).toBe('from A');
    expect(merged[f.check.id]).toBe(true);
    // The number was edited on both: one conflict, on that field only.
    expect(atB.conflicts.map((x) => x.field)).toEqual([`cf:${f.num.id}`]);
  });

  it('erasing a person clears their custom values everywhere', () => {
    const dir = tempDir('fv-cf-');
    const a = replica('a', dir);
    const b = replica('b', dir);
    const f = fieldSet(a);
    const c = a.crm.create(contactDef, { name: 'Ann', custom: { [f.text.id]: 'secret hobby' } });
    applyPage(b, pushPending(a));
    erasePerson(a.crm, c.id);
    applyPage(b, pushPending(a));
    for (const r of [a, b]) {
      const row = r.db
        .prepare<[string], { custom: string }>('SELECT custom FROM crm_contacts WHERE id = ?')
        .get(c.id);
      expect(row?.custom).toBe('{}');
      const log = r.db
        .prepare<[], { n: number }>("SELECT count(*) AS n FROM crm_oplog WHERE fields LIKE '%secret hobby%'")
        .get();
      expect(log?.n).toBe(0);
    }
  });
});
