import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../electron/services/log/logger';
import { resync } from '../../../../electron/services/sync/sync.resync';
import { fromBase64Url, toBase64Url } from '../../../../shared/sync/encoding';
import { ChainWorld, contactOp, forge, forger, type ChainDevice } from './support/chain.harness';

/**
 * Issue 11 item 4, at the service level: real encrypted vaults, the shipped inbox, outbox, chain
 * and re-sync, against a server the test controls (it drops deltas, reorders, rolls back).
 */
describe('delta completeness', () => {
  let world: ChainWorld;
  let a: ChainDevice;
  let b: ChainDevice;
  let c: ChainDevice;

  beforeEach(async () => {
    world = new ChainWorld();
    await world.start();
    a = await world.device('a');
    b = await world.device('b');
    c = await world.device('c');
  }, 60_000);

  afterEach(async () => {
    await world.stop();
  });

  // This server never compacts: a re-sync never needs the snapshot.
  const noSnapshot = {
    bootstrap: () => Promise.reject(new Error('the harness server never compacts')),
  };
  const again = (d: ChainDevice) =>
    resync({
      session: d.session,
      inbox: d.inbox,
      outbox: d.outbox,
      snapshots: noSnapshot,
      logger: silentLogger,
    });

  it('numbers and chains each device deltas; a whole log reports ok', async () => {
    a.contact('one');
    await a.sync();
    a.contact('two');
    await a.sync();
    b.contact('three');
    await b.sync();
    const report = await c.sync();
    expect(report.integrity).toMatchObject({ state: 'ok', devices: [], forks: 0, detectedAt: null });
    expect(c.inbox.chain.repo.maxSeen(a.deviceId)).toBe(2);
    expect(c.inbox.chain.repo.maxSeen(b.deviceId)).toBe(1);
    expect(a.inbox.chain.nextLink(a.deviceId).dseq).toBe(3);
  });

  it('regression: a dropped delta is reported by every device and resync recovers it', async () => {
    const first = a.contact('first');
    await a.sync();
    const second = a.contact('second');
    await a.sync(); // pulls its first delta back, pushes the second
    const dropped = world.log.drop(world.log.ofDevice(a.deviceId)[1]!.seq);
    const third = a.contact('third');
    await a.sync(); // pushes the third
    const seenByA = await a.sync(); // the cursor passes the dropped delta's seq: never delivered
    expect(seenByA.integrity.state).toBe('gap');
    expect(seenByA.integrity.devices).toEqual([{ deviceId: a.deviceId, missing: 1 }]);
    expect(seenByA.integrity.detectedAt).not.toBeNull();
    for (const d of [b, c]) {
      const report = await d.sync();
      expect(report.integrity.state).toBe('gap');
      expect(report.integrity.devices).toEqual([{ deviceId: a.deviceId, missing: 1 }]);
      expect(d.has(first) && d.has(third)).toBe(true);
      expect(d.has(second)).toBe(false);
    }
    // b's guided re-sync cannot close a gap only a can fill; a's re-sync pushes the same delta again.
    expect((await again(b)).integrity.state).toBe('gap');
    const fixed = await again(a);
    expect(fixed).toMatchObject({ resent: 1, integrity: { state: 'ok', devices: [] } });
    expect(world.log.deltas.some((d) => d.deltaId === dropped.deltaId)).toBe(true);
    for (const d of [b, c]) {
      const report = await d.sync();
      expect(report.integrity).toMatchObject({ state: 'ok', devices: [], forks: 0 });
      expect(d.has(second)).toBe(true);
    }
  });

  it('a delta the server corrupted is sealed again by its author, declaring the old dseq resent', async () => {
    a.contact('first');
    await a.sync();
    const second = a.contact('second');
    await a.sync();
    // The server alters the stored bytes of a's second delta: it can neither be opened nor sent again
    // under its id (the server keeps what it has and would call the same id with other bytes a conflict).
    const stored = world.log.ofDevice(a.deviceId)[1]!;
    const bytes = fromBase64Url(stored.envelope);
    bytes[40]! ^= 1;
    world.log.corrupt(stored.deltaId, toBase64Url(bytes));
    a.contact('third');
    await a.sync();
    const seen = await b.sync();
    expect(seen.integrity).toMatchObject({ state: 'gap', devices: [{ deviceId: a.deviceId, missing: 1 }] });
    expect(b.has(second)).toBe(false);
    const fixed = await again(a);
    expect(fixed).toMatchObject({ resent: 1, integrity: { state: 'ok', devices: [] } });
    const healed = await b.sync();
    expect(healed.integrity).toMatchObject({ state: 'ok', devices: [], forks: 0 });
    expect(b.has(second)).toBe(true);
    // The corrupted copy stays on the server; a later re-sync does not send its ops a third time.
    expect((await again(a)).resent).toBe(0);
  });

  it('a page holding an envelope that is not base64url rejects that delta alone; the rest applies', async () => {
    const first = a.contact('first');
    await a.sync();
    const second = a.contact('second');
    await a.sync();
    const stored = world.log.ofDevice(a.deviceId)[0]!;
    world.log.corrupt(stored.deltaId, `${stored.envelope.slice(0, 40)}*not base64url*`);
    const seen = await b.sync();
    expect(seen.rejected).toBe(1);
    expect(b.has(first)).toBe(false);
    expect(b.has(second)).toBe(true);
  });

  it('reports reordering and a withheld delta as a gap that closes when it arrives', async () => {
    a.contact('one');
    await a.sync();
    a.contact('two');
    await a.sync();
    const [d1] = world.log.ofDevice(a.deviceId);
    const held = world.log.drop(d1!.seq);
    const early = await b.sync();
    expect(early.integrity).toMatchObject({ state: 'gap', devices: [{ deviceId: a.deviceId, missing: 1 }] });
    world.log.append(held.deviceId, held.deltaId, held.envelope);
    const late = await b.sync();
    expect(late.integrity).toMatchObject({ state: 'ok', devices: [], reordered: 1, detectedAt: null });
  });

  it('reports a fork: two different deltas at one chain position, or a broken link', async () => {
    const m = forger(world);
    const first = forge(world, m.keys, m.deviceId, [contactOp(m.clockId, 'x')], { dseq: 1, prev: null });
    forge(world, m.keys, m.deviceId, [contactOp(m.clockId, 'y')], { dseq: 1, prev: null });
    const forked = await b.sync();
    expect(forked.integrity).toMatchObject({ state: 'gap', forks: 1 });
    // A link that names another predecessor than the delta seen at dseq - 1.
    forge(world, m.keys, m.deviceId, [contactOp(m.clockId, 'z')], { dseq: 2, prev: new Uint8Array(32) });
    expect((await c.sync()).integrity.forks).toBe(2);
    expect(first.digest).toHaveLength(32);
  });

  it('regression: a storage rollback is reported (latest seq below the cursor) and resync loses nothing', async () => {
    const before = [a.contact('a before'), b.contact('b before')];
    await a.sync();
    await b.sync();
    await a.sync();
    const copy = world.log.snapshot();
    const after = [a.contact('a after'), b.contact('b after'), c.contact('c after')];
    for (const d of [a, b, c, a, b, c]) await d.sync();
    for (const d of [a, b, c]) for (const id of [...before, ...after]) expect(d.has(id)).toBe(true);
    world.log.restore(copy);
    for (const d of [a, b, c]) {
      const report = await d.sync();
      expect(report.integrity.state).toBe('rollback');
      expect(report.integrity.detectedAt).not.toBeNull();
    }
    // While rolled back nothing is pulled (the cursor no longer matches the log); edits are kept.
    const during = b.contact('b during');
    await b.sync();
    expect(b.inbox.integrity().state).toBe('rollback');
    // Each re-sync pushes its own lost deltas again; a device that re-syncs before the others sees
    // their later deltas without the lost ones (a gap) until they re-sync too.
    for (const d of [a, b, c]) expect((await again(d)).integrity.state).not.toBe('rollback');
    for (const d of [a, b, c]) await d.sync();
    for (const d of [a, b, c]) {
      expect(d.inbox.integrity()).toMatchObject({ state: 'ok', devices: [], forks: 0 });
      for (const id of [...before, ...after, during]) expect(d.has(id)).toBe(true);
    }
  });

  it('a rollback is caught by an own acknowledged delta beyond the server latest seq, and at push', async () => {
    a.contact('one');
    await a.sync();
    await b.sync();
    const copy = world.log.snapshot();
    const lost = a.contact('lost');
    await a.sync(); // pushed; a has not pulled it back yet, so its cursor equals the snapshot's seq
    world.log.restore(copy);
    expect((await a.sync()).integrity.state).toBe('rollback');
    const bOne = b.contact('b one');
    await b.sync();
    await b.sync(); // b pulled its own delta back: its cursor is past the snapshot
    world.log.restore(copy);
    const bTwo = b.contact('b two');
    await b.outbox.push(); // answered with a seq b had already pulled: the server reused it
    expect(b.inbox.integrity().state).toBe('rollback');
    for (const d of [a, b]) await again(d);
    for (const d of [a, b, c]) await d.sync();
    for (const d of [a, b, c]) {
      expect(d.inbox.integrity().state).toBe('ok');
      for (const id of [lost, bOne, bTwo]) expect(d.has(id)).toBe(true);
    }
  });

  it('pads envelopes: two notes of different lengths in one bucket give equal envelope sizes', async () => {
    a.contact('Short note');
    await a.sync();
    a.contact('A much longer note about the renewal and the new site in Lyon, and more');
    await a.sync();
    const sizes = world.log.ofDevice(a.deviceId).map((d) => fromBase64Url(d.envelope).length);
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBe(sizes[1]);
    expect([512, 1024, 2048]).toContain(sizes[0]);
  });
});
