import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactDef, customFieldDef } from '../../../../electron/services/crm/crm.entities';
import { erasePerson } from '../../../../electron/services/crm/privacy.service';
import type { CustomField } from '../../../../shared/domain/crm.schemas';
import { AppError } from '../../../../shared/errors';
import { tempDir } from '../../support/tmp';
import { openReplica, pushPending, stateOf, type Replica } from '../sync/support/replica';

type Kind = 'text' | 'number' | 'select' | 'multiSelect' | 'checkbox' | 'date';

type Action =
  | { kind: 'define'; field: Kind; label: string }
  | { kind: 'contact'; name: string }
  | { kind: 'bulk'; names: string[]; raw: unknown; fit: boolean }
  | { kind: 'set'; pick: number; field: number; raw: unknown; fit: boolean }
  | { kind: 'archive'; field: number; archived: boolean }
  | { kind: 'relabel'; field: number; label: string }
  | { kind: 'erase'; pick: number };

const label = fc.constantFrom('Region', '区域', 'Score', 'VIP', 'Hobby 爱好', 'Since');
/** Values of every kind, some that fit a field and many that do not. */
const raw = fc.oneof(
  fc.constantFrom('north', 'south', 'x', '  padded  ', '', '茶道', '2024-02-29', '2024-13-01'),
  fc.constantFrom(0, 1.5, -3, 1e16, Number.NaN),
  fc.boolean(),
  fc.constantFrom(['north'], ['south', 'north'], ['north', 'north'], ['nope'], []),
  fc.constant(null),
);

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('define' as const),
      field: fc.constantFrom<Kind>('text', 'number', 'select', 'multiSelect', 'checkbox', 'date'),
      label,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('contact' as const), name: label }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bulk' as const),
      names: fc.array(label, { minLength: 1, maxLength: 3 }),
      raw,
      fit: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      pick: fc.nat(),
      field: fc.nat(),
      raw,
      fit: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('archive' as const), field: fc.nat(), archived: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('relabel' as const), field: fc.nat(), label }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const), pick: fc.nat() }) },
);

const OPTIONS = [
  { id: 'north', label: 'North', archived: false },
  { id: 'south', label: 'South', archived: false },
];

/** A value the field takes (half the writes), else the random one. */
const FITS: Record<Kind, unknown> = {
  text: '茶道 tea',
  number: -2.25,
  select: 'south',
  multiSelect: ['south', 'north'],
  checkbox: true,
  date: '2024-02-29',
};
const valueFor = (f: CustomField, a: { raw: unknown; fit: boolean }) =>
  a.fit && f.kind !== 'money' ? FITS[f.kind] : a.raw;

function liveContacts(r: Replica): string[] {
  return r.db
    .prepare<[], { id: string }>('SELECT id FROM crm_contacts WHERE deleted_at IS NULL ORDER BY id')
    .all()
    .map((x) => x.id);
}

/** A local write that the field does not take must be refused with VALIDATION and write nothing. */
function attempt(r: Replica, write: () => unknown): void {
  const before = r.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_oplog').get()!.n;
  try {
    write();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('VALIDATION');
    expect(r.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_oplog').get()!.n).toBe(before);
  }
}

function run(r: Replica, fields: CustomField[], a: Action): void {
  const crm = r.crm;
  const field = (n: number) => (fields.length ? fields[n % fields.length]! : null);
  switch (a.kind) {
    case 'define': {
      const options = a.field === 'select' || a.field === 'multiSelect' ? OPTIONS : [];
      fields.push(
        crm.create(customFieldDef, {
          entity: 'contact',
          kind: a.field,
          label: a.label,
          options,
        }) as CustomField,
      );
      return;
    }
    case 'contact':
      crm.create(contactDef, { name: a.name });
      return;
    case 'bulk': {
      const f = field(0);
      attempt(r, () =>
        crm.createMany(
          contactDef,
          a.names.map((name) => ({ name, custom: f ? { [f.id]: valueFor(f, a) } : {} })),
        ),
      );
      return;
    }
    case 'set': {
      const ids = liveContacts(r);
      const f = field(a.field);
      if (ids.length && f)
        attempt(r, () =>
          crm.update(contactDef, ids[a.pick % ids.length]!, { custom: { [f.id]: valueFor(f, a) } }),
        );
      return;
    }
    case 'archive': {
      const f = field(a.field);
      if (f) crm.update(customFieldDef, f.id, { archived: a.archived });
      return;
    }
    case 'relabel': {
      const f = field(a.field);
      if (f) crm.update(customFieldDef, f.id, { label: a.label, position: a.field });
      return;
    }
    case 'erase': {
      const ids = liveContacts(r);
      if (ids.length) erasePerson(crm, ids[a.pick % ids.length]!);
      return;
    }
  }
}

describe('custom fields through one writer (property)', () => {
  it('random definitions, values (good and bad), archives and erasures: local and remote states are byte-identical', () => {
    // Not vacuous: across the runs some values are stored and some are refused.
    let stored = 0;
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        (actions, pageSize) => {
          const dir = tempDir('fv-cfprop-');
          let t = 1_800_000_000_000;
          const origin = openReplica(dir, 'origin', () => (t += 3));
          const receiver = openReplica(dir, 'receiver', () => (t += 3));
          try {
            const fields: CustomField[] = [];
            for (const a of actions) run(origin, fields, a);
            const changes = pushPending(origin);
            for (let i = 0; i < changes.length; i += pageSize) {
              const result = receiver.crm.writer.apply(changes.slice(i, i + pageSize), 'remote');
              // Whatever the origin accepted, the receiver accepts: one validation for both.
              expect(result.rejected).toEqual([]);
            }
            expect(stateOf(receiver.db)).toEqual(stateOf(origin.db));
            stored += origin.db
              .prepare<[], { n: number }>("SELECT count(*) AS n FROM crm_contacts WHERE custom <> '{}'")
              .get()!.n;
          } finally {
            origin.close();
            receiver.close();
          }
        },
      ),
      { numRuns: 30 },
    );
    expect(stored).toBeGreaterThan(0);
  }, 120_000);
});
