import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncRepository } from '../../../../electron/services/sync/sync.repository';
import { ChainWorld, contactOp, forge, forger, type ChainDevice } from './support/chain.harness';

/**
 * Issue 11 item 3, at the service level: real encrypted vaults and the shipped inbox and outbox
 * against a server the test controls. Every delta must be signed by its author as the membership
 * log (DeltaAuthors) knows it, and every op's HLC device must be that author's clock id exactly.
 */
describe('delta authorship', () => {
  const world = new ChainWorld();
  let a: ChainDevice;
  let b: ChainDevice;

  beforeAll(async () => {
    await world.start();
    a = await world.device('a');
    b = await world.device('b');
  }, 60_000);

  afterAll(async () => {
    await world.stop();
  });

  const rejected = (d: ChainDevice) => new SyncRepository(d.client.vault.access.db()).rejected();
  const quarantined = (d: ChainDevice) => new SyncRepository(d.client.vault.access.db()).quarantined();

  it('signs what the outbox pushes and applies what a known author signed', async () => {
    const id = a.contact('signed by a');
    await a.sync();
    const report = await b.sync();
    expect(report).toMatchObject({ rejected: 0, quarantined: 0, impersonation: 0, unauthorised: 0 });
    expect(b.has(id)).toBe(true);
    // The inbox asked the membership log about the page's authors before applying it.
    expect(world.authors.ensured.some((ids) => ids.includes(a.deviceId))).toBe(true);
  });

  it('regression: a member whose device id starts with another device CRM id cannot write in its name', async () => {
    // On main the inbox accepted an op whose HLC device was a prefix of the pusher's server id.
    const mallory = forger(world, { deviceId: `${a.clockId}-evil0001` });
    const op = contactOp(a.clockId, 'written in the name of a');
    const own = contactOp(mallory.clockId, 'mallory own op');
    forge(world, mallory.keys, mallory.deviceId, [op, own], { dseq: 1, prev: null });
    const report = await b.sync();
    expect(report.impersonation).toBe(1);
    expect(report.quarantined).toBe(1);
    expect(b.has(op.recordId)).toBe(false);
    expect(b.has(own.recordId)).toBe(true);
    expect(quarantined(b).find((q) => q.opId === op.opId)?.reason).toBe('impersonation');
  });

  it('rejects a delta the membership log does not know (unknown_author)', async () => {
    const stranger = forger(world, { known: false });
    const op = contactOp(stranger.clockId, 'from a stranger');
    const { deltaId } = forge(world, stranger.keys, stranger.deviceId, [op], { dseq: 1, prev: null });
    const report = await b.sync();
    expect(report).toMatchObject({ unauthorised: 1, rejected: 1 });
    expect(b.has(op.recordId)).toBe(false);
    expect(rejected(b).find((r) => r.deltaId === deltaId)?.reason).toBe('unknown_author');
  });

  it('rejects a delta a server or member put under another device id (bad_signature)', async () => {
    // A member holding the workspace key seals a delta as `a`, signs it with its own key, and a
    // colluding server stores it as pushed by `a`.
    const mallory = forger(world);
    const op = contactOp(a.clockId, 'sealed as a');
    const { deltaId } = forge(world, mallory.keys, a.deviceId, [op], { dseq: 99, prev: new Uint8Array(32) });
    const report = await b.sync();
    expect(report).toMatchObject({ unauthorised: 1, rejected: 1 });
    expect(b.has(op.recordId)).toBe(false);
    expect(rejected(b).find((r) => r.deltaId === deltaId)?.reason).toBe('bad_signature');
  });

  it('rejects a viewer delta (not_writer) and a version 1 envelope (unsupported_version)', async () => {
    const viewer = forger(world, { canWrite: false });
    const op = contactOp(viewer.clockId, 'from a viewer');
    const refused = forge(world, viewer.keys, viewer.deviceId, [op], { dseq: 1, prev: null });
    const writer = forger(world);
    const old = contactOp(writer.clockId, 'old format');
    const v1 = forge(world, writer.keys, writer.deviceId, [old], { dseq: 1, prev: null }, { version: 1 });
    const report = await b.sync();
    expect(report).toMatchObject({ unauthorised: 1, rejected: 2 });
    expect(b.has(op.recordId)).toBe(false);
    expect(b.has(old.recordId)).toBe(false);
    const reasons = new Map(rejected(b).map((r) => [r.deltaId, r.reason]));
    expect(reasons.get(refused.deltaId)).toBe('not_writer');
    expect(reasons.get(v1.deltaId)).toBe('unsupported_version');
  });

  it('a rejected or quarantined delta never stops sync: the next good one applies', async () => {
    const id = a.contact('still flowing');
    await a.sync();
    const report = await b.sync();
    expect(report.rejected).toBe(0);
    expect(b.has(id)).toBe(true);
  });
});
