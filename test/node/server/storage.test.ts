import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from '../../../shared/sync/device-keys';
import type { DeviceRecord, InviteRecord, SyncStorage } from '../../../server/storage/storage';
import {
  deviceRecord,
  deleteDeltas,
  postgresBackend,
  sqliteBackend,
  usePostgresCluster,
  type Backend,
} from './backends';

const device = (workspaceId: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord =>
  deviceRecord(workspaceId, overrides);

function invite(workspaceId: string, createdBy: string, overrides: Partial<InviteRecord> = {}): InviteRecord {
  return {
    inviteId: randomId(),
    workspaceId,
    createdBy,
    wrappedKey: new Uint8Array(randomBytes(77)),
    authPublicKey: new Uint8Array(randomBytes(32)),
    createdAt: 1_000,
    expiresAt: 10_000,
    usedAt: null,
    usedBy: null,
    ...overrides,
  };
}

const env = (n: number) => new Uint8Array(randomBytes(n));

/** The one storage suite: every backend must behave identically. */
describe.each([sqliteBackend, postgresBackend])('storage: $name', (backend: Backend) => {
  // Only this backend's tests depend on the cluster (and fail, never skip, without it).
  if (backend.name === 'postgres') usePostgresCluster();
  const open: SyncStorage[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  async function fresh(): Promise<{ storage: SyncStorage; location: string }> {
    const r = await backend.open();
    open.push(r.storage);
    return r;
  }
  async function workspace(storage: SyncStorage): Promise<{ ws: string; first: DeviceRecord }> {
    const ws = randomId();
    const first = device(ws);
    expect(await storage.createWorkspace(ws, first)).toBe('created');
    return { ws, first };
  }

  it('creates a workspace with its first device; ids are unique and creation is all-or-nothing', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    expect(await storage.getDevice(first.deviceId)).toEqual(first);
    expect(await storage.listDevices(ws)).toEqual([first]);
    expect(await storage.createWorkspace(ws, device(ws))).toBe('exists');
    const other = randomId();
    expect(await storage.createWorkspace(other, { ...device(other), deviceId: first.deviceId })).toBe(
      'device_exists',
    );
    // The failed creation left nothing behind: the id is still free.
    expect(await storage.createWorkspace(other, device(other))).toBe('created');
    expect(await storage.getDevice(randomId())).toBeNull();
    expect(await storage.latestSeq(ws)).toBe(0);
  });

  it('revokes a device idempotently and only within its workspace', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    expect(await storage.revokeDevice(randomId(), first.deviceId, 5)).toBeNull();
    const revoked = await storage.revokeDevice(ws, first.deviceId, 5);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: 5 });
    expect(await storage.revokeDevice(ws, first.deviceId, 9)).toMatchObject({
      status: 'revoked',
      revokedAt: 5,
    });
    expect((await storage.getDevice(first.deviceId))?.status).toBe('revoked');
  });

  it('revoking a device expires the unused invites it created, not the used ones or others', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    const second = device(ws);
    const invites = [invite(ws, first.deviceId), invite(ws, first.deviceId), invite(ws, first.deviceId)];
    for (const i of invites) await storage.createInvite(i);
    expect((await storage.acceptInvite(invites[0]!.inviteId, second, 2_000)).kind).toBe('accepted');
    const others = invite(ws, second.deviceId);
    await storage.createInvite(others);
    await storage.revokeDevice(ws, first.deviceId, 3_000);
    expect((await storage.acceptInvite(invites[1]!.inviteId, device(ws), 3_000)).kind).toBe('expired');
    expect((await storage.getInvite(invites[2]!.inviteId))?.expiresAt).toBe(3_000);
    expect((await storage.getInvite(invites[0]!.inviteId))?.usedBy).toBe(second.deviceId);
    expect((await storage.acceptInvite(others.inviteId, device(ws), 3_000)).kind).toBe('accepted');
  });

  it('invites are single-use, expire, and register the joiner atomically', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    const inv = invite(ws, first.deviceId);
    expect(await storage.createInvite(inv)).toBe('created');
    expect(await storage.createInvite(inv)).toBe('exists');
    expect(await storage.getInvite(inv.inviteId)).toEqual(inv);

    // A device id that is taken: refused, and the invite stays usable.
    expect(
      (await storage.acceptInvite(inv.inviteId, { ...device(ws), deviceId: first.deviceId }, 2_000)).kind,
    ).toBe('device_exists');
    const joiner = device('placeholder');
    const accepted = await storage.acceptInvite(inv.inviteId, joiner, 2_000);
    expect(accepted.kind).toBe('accepted');
    if (accepted.kind !== 'accepted') return;
    expect(accepted.device).toMatchObject({
      deviceId: joiner.deviceId,
      workspaceId: ws,
      invitedBy: first.deviceId,
    });
    expect(accepted.invite.wrappedKey).toEqual(inv.wrappedKey);
    expect((await storage.getDevice(joiner.deviceId))?.workspaceId).toBe(ws);
    expect(await storage.getInvite(inv.inviteId)).toMatchObject({ usedAt: 2_000, usedBy: joiner.deviceId });

    // Same device retrying (lost response): accepted again; anyone else: used.
    expect((await storage.acceptInvite(inv.inviteId, joiner, 3_000)).kind).toBe('accepted');
    expect((await storage.acceptInvite(inv.inviteId, device(ws), 3_000)).kind).toBe('used');
    expect(
      (await storage.acceptInvite(inv.inviteId, { ...joiner, signPublicKey: env(32) }, 3_000)).kind,
    ).toBe('used');

    const old = invite(ws, first.deviceId, { expiresAt: 5_000 });
    await storage.createInvite(old);
    const late = device(ws);
    expect((await storage.acceptInvite(old.inviteId, late, 5_000)).kind).toBe('expired');
    expect(await storage.getDevice(late.deviceId)).toBeNull();
    expect((await storage.acceptInvite(randomId(), late, 1)).kind).toBe('unknown');
  });

  it('appends with gapless sequence numbers; a retried push is idempotent; a conflicting one appends nothing', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    const a = { deltaId: randomId(), envelope: env(100) };
    const b = { deltaId: randomId(), envelope: env(50) };
    const r1 = await storage.appendDeltas(ws, first.deviceId, [a, b], 1_000);
    expect(r1).toEqual([
      { deltaId: a.deltaId, seq: 1, receivedAt: 1_000, duplicate: false },
      { deltaId: b.deltaId, seq: 2, receivedAt: 1_000, duplicate: false },
    ]);
    const c = { deltaId: randomId(), envelope: env(10) };
    const r2 = await storage.appendDeltas(ws, first.deviceId, [b, c, c], 2_000);
    expect(r2).toEqual([
      { deltaId: b.deltaId, seq: 2, receivedAt: 1_000, duplicate: true },
      { deltaId: c.deltaId, seq: 3, receivedAt: 2_000, duplicate: false },
      { deltaId: c.deltaId, seq: 3, receivedAt: 2_000, duplicate: true },
    ]);
    // Same id, other bytes (or another device): the whole push is refused, nothing appended.
    const d = { deltaId: randomId(), envelope: env(10) };
    expect(await storage.appendDeltas(ws, first.deviceId, [d, { ...a, envelope: env(100) }], 3_000)).toEqual({
      kind: 'conflict',
      deltaId: a.deltaId,
    });
    expect(await storage.appendDeltas(ws, randomId(), [a], 3_000)).toMatchObject({ kind: 'conflict' });
    expect(await storage.latestSeq(ws)).toBe(3);
    const all = await storage.pullDeltas(ws, 0, 100, 1 << 20);
    expect(all.map((x) => x.deltaId)).toEqual([a.deltaId, b.deltaId, c.deltaId]);
    expect(all[0]).toEqual({
      seq: 1,
      deltaId: a.deltaId,
      deviceId: first.deviceId,
      receivedAt: 1_000,
      envelope: a.envelope,
    });
  });

  it('pulls in pages after a cursor, bounded by count and bytes (at least one delta per page)', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    const other = await workspace(storage);
    await storage.appendDeltas(
      other.ws,
      other.first.deviceId,
      [{ deltaId: randomId(), envelope: env(10) }],
      1,
    );
    const deltas = Array.from({ length: 25 }, (_, i) => ({
      deltaId: randomId(),
      envelope: env(i === 12 ? 5_000 : 100),
    }));
    await storage.appendDeltas(ws, first.deviceId, deltas, 1);
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = await storage.pullDeltas(ws, cursor, 10, 1_000);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(10);
      const bytes = page.reduce((n, d) => n + d.envelope.length, 0);
      expect(page.length === 1 || bytes <= 1_000).toBe(true);
      seen.push(...page.map((d) => d.seq));
      cursor = page[page.length - 1]!.seq;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await storage.pullDeltas(ws, 25, 10, 1_000)).toEqual([]);
    expect(await storage.latestSeq(other.ws)).toBe(1);
  });

  it('a page reads the sequence range after the cursor, and steps over a gap in it', async () => {
    const { storage, location } = await fresh();
    const { ws, first } = await workspace(storage);
    const deltas = Array.from({ length: 30 }, () => ({ deltaId: randomId(), envelope: env(50) }));
    await storage.appendDeltas(ws, first.deviceId, deltas, 1);
    await deleteDeltas(backend.name, location, ws, 3, 17);
    // The range (2, 12] is empty: the page starts at the next delta that exists.
    expect((await storage.pullDeltas(ws, 2, 10, 1 << 20)).map((d) => d.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => 18 + i),
    );
    expect((await storage.pullDeltas(ws, 0, 10, 1 << 20)).map((d) => d.seq)).toEqual([1, 2]);
    expect(await storage.pullDeltas(ws, 30, 10, 1 << 20)).toEqual([]);
  });

  it('concurrent pushes to one workspace get distinct, gapless sequence numbers', async () => {
    const { storage } = await fresh();
    const { ws, first } = await workspace(storage);
    const pushes = Array.from({ length: 20 }, () =>
      storage.appendDeltas(
        ws,
        first.deviceId,
        [
          { deltaId: randomId(), envelope: env(20) },
          { deltaId: randomId(), envelope: env(20) },
        ],
        1,
      ),
    );
    const results = (await Promise.all(pushes)).flatMap((r) => (Array.isArray(r) ? r.map((x) => x.seq) : []));
    expect(results.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await storage.pullDeltas(ws, 0, 100, 1 << 20)).map((d) => d.seq)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('counts rate-limit hits per key in fixed windows', async () => {
    const { storage } = await fresh();
    expect(await storage.hit('ip|dev', 1_000, 10_000)).toEqual({ count: 1, resetAt: 11_000 });
    expect(await storage.hit('ip|dev', 1_000, 10_500)).toEqual({ count: 2, resetAt: 11_000 });
    expect(await storage.hit('ip|other', 1_000, 10_500)).toEqual({ count: 1, resetAt: 11_500 });
    expect(await storage.hit('ip|dev', 1_000, 11_000)).toEqual({ count: 1, resetAt: 12_000 });
  });

  it('remembers nonces per device until they expire', async () => {
    const { storage } = await fresh();
    const dev = randomId();
    expect(await storage.consumeNonce(dev, 'nonce-aaaaaaaaaaaaaaaa', 100)).toBe(true);
    expect(await storage.consumeNonce(dev, 'nonce-aaaaaaaaaaaaaaaa', 100)).toBe(false);
    expect(await storage.consumeNonce(randomId(), 'nonce-aaaaaaaaaaaaaaaa', 100)).toBe(true);
    expect(await storage.purgeNonces(50)).toBe(0);
    expect(await storage.consumeNonce(dev, 'nonce-aaaaaaaaaaaaaaaa', 100)).toBe(false);
    expect(await storage.purgeNonces(101)).toBe(2);
    expect(await storage.consumeNonce(dev, 'nonce-aaaaaaaaaaaaaaaa', 300)).toBe(true);
  });

  it('keeps everything across a reopen (durable)', async () => {
    const { storage, location } = await fresh();
    const { ws, first } = await workspace(storage);
    const inv = invite(ws, first.deviceId);
    await storage.createInvite(inv);
    const deltas = Array.from({ length: 5 }, () => ({ deltaId: randomId(), envelope: env(64) }));
    await storage.appendDeltas(ws, first.deviceId, deltas, 7);
    await storage.close();
    open.splice(open.indexOf(storage), 1);
    const again = await backend.reopen(location);
    open.push(again);
    expect(await again.getDevice(first.deviceId)).toEqual(first);
    expect(await again.getInvite(inv.inviteId)).toEqual(inv);
    expect((await again.pullDeltas(ws, 0, 10, 1 << 20)).map((d) => [d.deltaId, d.envelope])).toEqual(
      deltas.map((d) => [d.deltaId, d.envelope]),
    );
    const next = await again.appendDeltas(ws, first.deviceId, [{ deltaId: randomId(), envelope: env(8) }], 8);
    expect(Array.isArray(next) && next[0]?.seq).toBe(6);
  });
});
