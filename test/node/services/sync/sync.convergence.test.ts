import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactDef, DEFAULT_PIPELINE_ID, dealDef } from '../../../../electron/services/crm/crm.entities';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import { tempDir } from '../../support/tmp';
import { applyPage, openReplica, pushPending, stateOf, type Replica } from './support/replica';

const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'closing'];

type Action =
  | { kind: 'createContact'; r: number; name: string; phone: string }
  | { kind: 'createDeal'; r: number; name: string; stage: number; amount: number }
  | { kind: 'updateContact'; r: number; pick: number; name: string; title: string | null }
  | { kind: 'updateDeal'; r: number; pick: number; stage: number; amount: number; owner: string | null }
  | { kind: 'delete'; r: number; pick: number; deal: boolean }
  | { kind: 'push'; r: number }
  | { kind: 'deliver'; r: number; picks: number[] };

const replicaIdx = fc.integer({ min: 0, max: 2 });
const word = fc.constantFrom('Ada', 'Bo', '张伟', 'Émile', 'Zoë', 'marker');
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('createContact' as const),
    r: replicaIdx,
    name: word,
    phone: fc.constantFrom('+49 30 1234', '555-0100'),
  }),
  fc.record({
    kind: fc.constant('createDeal' as const),
    r: replicaIdx,
    name: word,
    stage: fc.integer({ min: 0, max: 4 }),
    amount: fc.integer({ min: 0, max: 1000 }),
  }),
  fc.record({
    kind: fc.constant('updateContact' as const),
    r: replicaIdx,
    pick: fc.nat(),
    name: word,
    title: fc.option(word, { nil: null }),
  }),
  fc.record({
    kind: fc.constant('updateDeal' as const),
    r: replicaIdx,
    pick: fc.nat(),
    stage: fc.integer({ min: 0, max: 4 }),
    amount: fc.integer({ min: 0, max: 1000 }),
    owner: fc.option(fc.constantFrom('u1', 'u2'), { nil: null }),
  }),
  fc.record({ kind: fc.constant('delete' as const), r: replicaIdx, pick: fc.nat(), deal: fc.boolean() }),
  fc.record({ kind: fc.constant('push' as const), r: replicaIdx }),
  fc.record({
    kind: fc.constant('deliver' as const),
    r: replicaIdx,
    picks: fc.array(fc.nat(), { maxLength: 12 }),
  }),
);

function liveIds(r: Replica, table: 'crm_contacts' | 'crm_deals'): string[] {
  return r.db
    .prepare<[], { id: string }>(`SELECT id FROM ${table} WHERE deleted_at IS NULL ORDER BY id`)
    .all()
    .map((x) => x.id);
}

function run(replicas: Replica[], log: Change[][], a: Action): void {
  const r = replicas[a.r]!;
  switch (a.kind) {
    case 'createContact':
      r.crm.create(contactDef, { name: a.name, phones: [a.phone], emails: [`${a.name.length}@x.test`] });
      return;
    case 'createDeal':
      r.crm.create(dealDef, {
        name: a.name,
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: STAGES[a.stage],
        amountMinor: a.amount,
      });
      return;
    case 'updateContact': {
      const ids = liveIds(r, 'crm_contacts');
      if (ids.length) r.crm.update(contactDef, ids[a.pick % ids.length]!, { name: a.name, title: a.title });
      return;
    }
    case 'updateDeal': {
      const ids = liveIds(r, 'crm_deals');
      if (ids.length)
        r.crm.update(dealDef, ids[a.pick % ids.length]!, {
          stageId: STAGES[a.stage],
          amountMinor: a.amount,
          ownerId: a.owner,
        });
      return;
    }
    case 'delete': {
      const ids = liveIds(r, a.deal ? 'crm_deals' : 'crm_contacts');
      if (ids.length && a.deal) r.crm.delete(dealDef, ids[a.pick % ids.length]!);
      else if (ids.length) r.crm.delete(contactDef, ids[a.pick % ids.length]!);
      return;
    }
    case 'push': {
      const rows = pushPending(r);
      // Deltas of up to 3 rows each, as the server would hold them.
      for (let i = 0; i < rows.length; i += 3) log.push(rows.slice(i, i + 3));
      return;
    }
    case 'deliver': {
      // Random deltas of the log, in the given (random) order, duplicates included: one page.
      if (log.length === 0) return;
      applyPage(
        r,
        a.picks.flatMap((p) => log[p % log.length]!),
      );
      return;
    }
  }
}

describe('sync convergence (property)', () => {
  it.each([
    ['skewed, advancing clocks', false],
    ['one frozen clock: every edit on every replica in the same millisecond', true],
  ])(
    'three replicas with random offline edits and random, duplicated, re-ordered deliveries converge to the HLC-order state, whole records included (%s)',
    (_name, frozen) => {
      fc.assert(
        fc.property(
          fc.array(action, { minLength: 1, maxLength: 40 }),
          fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: 3, maxLength: 3 }),
          fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
          (actions, skews, shuffleSeeds) => {
            const dir = tempDir('fv-conv-');
            let t = 1_800_000_000_000;
            // Each replica has its own skewed clock; all advance, so edits interleave in time. Frozen:
            // every stamp shares one millisecond and only the HLC counter and device id order them.
            const clock = (i: number) => (frozen ? () => t : () => (t += 7) + skews[i]!);
            const replicas = [0, 1, 2].map((i) => openReplica(dir, `r${i}`, clock(i)));
            const reference = openReplica(dir, 'ref', clock(0));
            const log: Change[][] = [];
            try {
              for (const a of actions) run(replicas, log, a);
              // Final round: everyone pushes, then everyone receives the whole log in a shuffled order
              // with every delta delivered twice, in pages.
              for (let i = 0; i < 3; i++) run(replicas, log, { kind: 'push', r: i });
              replicas.forEach((r, i) => {
                const order = [...log.keys(), ...log.keys()];
                let seed = shuffleSeeds[i]! + 1;
                for (let k = order.length - 1; k > 0; k--) {
                  seed = (seed * 1103515245 + 12345) % 2 ** 31;
                  const j = seed % (k + 1);
                  [order[k], order[j]] = [order[j]!, order[k]!];
                }
                for (let k = 0; k < order.length; k += 4) {
                  applyPage(
                    r,
                    order.slice(k, k + 4).flatMap((d) => log[d]!),
                  );
                }
              });
              // Reference: every op applied once, one at a time, in HLC order.
              const all = log.flat().sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : 0));
              for (const row of all) applyPage(reference, [row]);

              const expected = stateOf(reference.db);
              for (const r of replicas) expect(stateOf(r.db)).toEqual(expected);
            } finally {
              for (const r of [...replicas, reference]) r.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  it('a local edit stamped below a remote value it already saw (lagging clock) still converges to LWW', () => {
    const dir = tempDir('fv-conv-');
    let t = 1_800_000_000_000;
    const behind = openReplica(dir, 'behind', () => (t += 7) - 60_000);
    const ahead = openReplica(dir, 'ahead', () => (t += 7));
    const reference = openReplica(dir, 'ref', () => (t += 7));
    try {
      const deal = ahead.crm.create(dealDef, {
        name: 'Deal',
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        amountMinor: 1,
      });
      const fromAhead = pushPending(ahead);
      applyPage(behind, fromAhead);
      // Seen the remote value, then edited: the lagging clock stamps this edit below it.
      behind.crm.update(dealDef, deal.id, { amountMinor: 2 });
      const fromBehind = pushPending(behind);
      applyPage(ahead, fromBehind);
      for (const row of [...fromAhead, ...fromBehind].sort((a, b) => (a.hlc < b.hlc ? -1 : 1)))
        applyPage(reference, [row]);
      const expected = stateOf(reference.db);
      expect(stateOf(ahead.db)).toEqual(expected);
      expect(stateOf(behind.db)).toEqual(expected);
    } finally {
      for (const r of [behind, ahead, reference]) r.close();
    }
  });
});
