import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../../server/app';
import { SqliteSyncStorage } from '../../../../server/storage/storage.sqlite';
import { AppError } from '../../../../shared/errors';
import { toBase64Url } from '../../../../shared/sync/encoding';
import { envelopeKeyId, sealDelta } from '../../../../shared/sync/envelope';
import { nextEntry, verifyMembershipLog, type MembershipEntry } from '../../../../shared/sync/membership';
import { chainPreviousKey, epochCommitment, wrapEpochKey } from '../../../../shared/sync/epoch';
import { SyncApiClient } from '../../../../shared/sync/sync.client';
import { randomId } from '../../../../shared/sync/device-keys';
import { fetchTransport } from '../../../../electron/services/sync/sync.http';
import { realKeychain } from '../../support/vault';
import { createClient, type TestClient } from './support/client';
import { disposeClients, listenLoopback } from './support/server';

/**
 * Key epochs through the composition root (`createServices`, the real IPC router, a real keychain
 * and encrypted vault) against the real sync server over loopback HTTP: revocation rotates, devices
 * adopt, the server refuses the retired epoch, and sealed offline edits are sealed again.
 */

let storage: SqliteSyncStorage;
let app: FastifyInstance;
let url = '';
const clients: TestClient[] = [];
/** Called before a push is handled; `destroy` drops the connection so nothing is stored. */
let beforePush: ((socket: { destroy(): void }) => void) | null = null;
/** Called as a push's answer is sent (stored, answer lost when `destroy` is called). */
let afterPush: ((socket: { destroy(): void }) => void) | null = null;
/** Drops the next `rotate` entry's request before the server stores it. */
let dropRotation = false;

/** Every directory this file made, removed at the end. */
const dirs: string[] = [];
function dirFor(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  storage = SqliteSyncStorage.open(path.join(dirFor('fv-epochs-'), 'sync.sqlite'));
  app = await createSyncServer({ storage });
  app.addHook('preHandler', (request, _reply, done) => {
    if (beforePush && request.method === 'POST' && request.url.endsWith('/deltas')) {
      beforePush(request.raw.socket);
      // The handler never runs: the connection dropped before the server stored anything.
      done(new Error('connection dropped'));
      return;
    }
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const body = request.body as { entry?: { body?: { kind?: string } } } | undefined;
    if (dropRotation && request.method === 'POST' && body?.entry?.body?.kind === 'rotate') {
      dropRotation = false;
      request.raw.socket.destroy();
      done(new Error('connection dropped'));
      return;
    }
    done();
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method === 'POST' && request.url.endsWith('/deltas')) afterPush?.(request.raw.socket);
    return payload;
  });
  ({ url } = await listenLoopback(app));
}, 60_000);

afterAll(async () => {
  await disposeClients(clients);
  await app.close();
  await storage.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function client(name: string, policy?: { escrowKey: string }): Promise<TestClient> {
  const dataDir = dirFor(`fv-epochs-${name}-`);
  const c = await createClient(name, dataDir, realKeychain(), policy ? { policy } : {});
  clients.push(c);
  return c;
}

async function team(n: number, policy?: { escrowKey: string }) {
  const owner = await client('owner', policy);
  const { workspaceId } = await owner.call('workspace.create', { serverUrl: url, name: 'Team' });
  const members: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const m = await client(`m${i}`);
    const { code } = await owner.call('invites.create', { ttlHours: 1 });
    await m.call('invites.accept', { code });
    members.push(m);
  }
  for (const c of [owner, ...members]) expect((await c.call('sync.now')).error).toBeNull();
  return { owner, members, workspaceId };
}

const deviceIdOf = async (c: TestClient) =>
  (await c.call('devices.list')).find((d) => d.isThisDevice)!.deviceId;

/** The server's stored log, parsed. */
async function entries(workspaceId: string): Promise<MembershipEntry[]> {
  return (await storage.membership(workspaceId, 0)).map((e) => JSON.parse(e.json) as MembershipEntry);
}

/** The epoch each stored delta of `deviceId` is sealed under. */
async function epochsOf(workspaceId: string, deviceId: string): Promise<number[]> {
  const all = await storage.pullDeltas(workspaceId, 0, 10_000, 1 << 30);
  return all.filter((d) => d.deviceId === deviceId).map((d) => envelopeKeyId(d.envelope));
}

/** Contact names on `c`. */
async function names(c: TestClient): Promise<string[]> {
  return (await c.call('contacts.list', { limit: 200 })).items.map((x) => x.name).sort();
}

describe('key epochs through the composition root and the real server', () => {
  it('revoking rotates at once: the rest adopt epoch 2, the revoked device gets no wrap, new deltas use epoch 2', async () => {
    const { owner, members, workspaceId } = await team(2);
    const [stay, gone] = members as [TestClient, TestClient];
    const goneId = await deviceIdOf(gone);
    await owner.call('contacts.create', { name: 'Before rotation' });
    await owner.call('sync.now');
    await owner.call('devices.revoke', { deviceId: goneId });
    const log = await entries(workspaceId);
    const rotate = log.at(-1)!;
    expect(rotate.body.kind).toBe('rotate');
    if (rotate.body.kind !== 'rotate') return;
    expect(rotate.body.epoch).toBe(2);
    expect(rotate.body.wraps.map((w) => w.deviceId).sort()).toEqual(
      [await deviceIdOf(owner), await deviceIdOf(stay)].sort(),
    );
    await owner.call('contacts.create', { name: 'After rotation' });
    expect((await owner.call('sync.now')).error).toBeNull();
    expect((await stay.call('sync.now')).error).toBeNull();
    expect(await names(stay)).toContain('After rotation');
    expect(await epochsOf(workspaceId, await deviceIdOf(owner))).toEqual([1, 2]);
  });

  it('the server refuses a push sealed under a retired epoch with EPOCH_RETIRED', async () => {
    const { owner, members, workspaceId } = await team(1);
    const member = members[0]!;
    const memberId = await deviceIdOf(member);
    // The member's own signing key and its epoch-1 key, read from its vault as the app would.
    const db = member.vault.access.db();
    const rows = db
      .prepare<[], { kind: string; key_id: number; secret: Buffer }>(
        'SELECT kind, key_id, secret FROM sync_keys',
      )
      .all();
    const sign = new Uint8Array(rows.find((r) => r.kind === 'sign')!.secret);
    const oldKey = new Uint8Array(rows.find((r) => r.kind === 'workspace' && r.key_id === 1)!.secret);
    expect((await owner.call('sync.rotateKey')).epoch).toBe(2);
    const api = new SyncApiClient(url, fetchTransport({}), { deviceId: memberId, signSecretKey: sign });
    const deltaId = randomId();
    const envelope = sealDelta(
      new Uint8Array(10),
      { workspaceId, deviceId: memberId, deltaId },
      { keyId: 1, key: oldKey },
      sign,
    );
    const refused = await api.push(workspaceId, [{ deltaId, envelope: toBase64Url(envelope) }]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('EPOCH_RETIRED');
    expect(await epochsOf(workspaceId, memberId)).toEqual([]);
    // A member may not rotate (the log and the server would refuse it; main refuses first).
    await expect(member.call('sync.rotateKey')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('edits sealed under epoch 1 while the push failed are sealed again under epoch 2 and arrive once', async () => {
    const { owner, members, workspaceId } = await team(1);
    const member = members[0]!;
    const memberId = await deviceIdOf(member);
    for (let i = 0; i < 3; i++) await member.call('contacts.create', { name: `Offline ${i}` });
    beforePush = (socket) => socket.destroy();
    const failed = await member.call('sync.now');
    beforePush = null;
    expect(failed.pending).toBeGreaterThan(0);
    expect(await epochsOf(workspaceId, memberId)).toEqual([]);
    await owner.call('sync.rotateKey');
    const caughtUp = await member.call('sync.now');
    expect(caughtUp.error).toBeNull();
    expect(caughtUp.pending).toBe(0);
    expect(await epochsOf(workspaceId, memberId)).toEqual([2]);
    // The epoch-1 envelopes are never pushed again: the vault keeps none of them (an erasure
    // afterwards could not reach them, and the old key that opens them stays in this vault).
    const replaced = member.vault.access
      .db()
      .prepare<[], { n: number }>('SELECT length(envelope) AS n FROM sync_own_deltas WHERE delivered = 3')
      .all();
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced.every((r) => r.n === 0)).toBe(true);
    expect((await owner.call('sync.now')).integrity.state).toBe('ok');
    expect(await names(owner)).toEqual(['Offline 0', 'Offline 1', 'Offline 2']);
  });

  it('a delta stored before the rotation whose answer was lost is acknowledged as a duplicate, not sealed again', async () => {
    const { owner, members, workspaceId } = await team(1);
    const member = members[0]!;
    const memberId = await deviceIdOf(member);
    await member.call('contacts.create', { name: 'Landed' });
    afterPush = (socket) => socket.destroy();
    await member.call('sync.now');
    afterPush = null;
    expect(await epochsOf(workspaceId, memberId)).toEqual([1]);
    await owner.call('sync.rotateKey');
    await member.call('contacts.create', { name: 'Later' });
    const status = await member.call('sync.now');
    expect(status.error).toBeNull();
    expect(status.pending).toBe(0);
    expect(await epochsOf(workspaceId, memberId)).toEqual([1, 2]);
    const ownerStatus = await owner.call('sync.now');
    expect(ownerStatus.integrity.state).toBe('ok');
    expect(await names(owner)).toEqual(['Landed', 'Later']);
  });

  it('a device that joins after two rotations reads the whole history (older keys chained under the newest)', async () => {
    const { owner, members } = await team(1);
    await owner.call('contacts.create', { name: 'Epoch one' });
    await owner.call('sync.now');
    await owner.call('sync.rotateKey');
    await members[0]!.call('contacts.create', { name: 'Epoch two' });
    await members[0]!.call('sync.now');
    await owner.call('sync.rotateKey');
    await owner.call('contacts.create', { name: 'Epoch three' });
    await owner.call('sync.now');
    const late = await client('late');
    const { code } = await owner.call('invites.create', { ttlHours: 1 });
    await late.call('invites.accept', { code });
    const status = await late.call('sync.now');
    expect(status.error).toBeNull();
    expect(status.rejectedDeltas).toBe(0);
    expect(await names(late)).toEqual(['Epoch one', 'Epoch three', 'Epoch two']);
  });

  it('a rotation whose wrap for this device holds another key than committed stops sync with EPOCH_KEY_INVALID, keeping everything', async () => {
    const { owner, members, workspaceId } = await team(1);
    const member = members[0]!;
    await member.call('contacts.create', { name: 'Kept' });
    await member.call('sync.now');
    const ownerId = await deviceIdOf(owner);
    const memberId = await deviceIdOf(member);
    // The owner's device, compromised: it signs a rotation whose wrap to the member is a decoy key.
    const rows = owner.vault.access
      .db()
      .prepare<[], { kind: string; key_id: number; secret: Buffer }>(
        'SELECT kind, key_id, secret FROM sync_keys',
      )
      .all();
    const sign = new Uint8Array(rows.find((r) => r.kind === 'sign')!.secret);
    const current = new Uint8Array(rows.find((r) => r.kind === 'workspace' && r.key_id === 1)!.secret);
    const log = await entries(workspaceId);
    const state = verifyMembershipLog(log, { workspaceId, genesisHash: null });
    const key = new Uint8Array(randomBytes(32));
    const decoy = new Uint8Array(randomBytes(32));
    const place = { workspaceId, epoch: 2 };
    const members2 = [...state.members.values()].map((m) => m.device);
    const entry = nextEntry(
      state,
      { deviceId: ownerId, signSecretKey: sign },
      {
        kind: 'rotate',
        epoch: 2,
        commitment: epochCommitment(key, place),
        previous: chainPreviousKey(current, key, place),
        wraps: members2.map((d) => wrapEpochKey(d.deviceId === memberId ? decoy : key, place, d)),
      },
      Date.now(),
    );
    const api = new SyncApiClient(url, fetchTransport({}), { deviceId: ownerId, signSecretKey: sign });
    await api.appendMembership(workspaceId, entry);
    // Its next push meets the server's refusal of epoch 1, so it fetches the log and finds the decoy.
    await member.call('contacts.create', { name: 'Pending' });
    const status = await member.call('sync.now');
    expect(status.error?.code).toBe('EPOCH_KEY_INVALID');
    expect(status.state).toBe('error');
    expect(status.pending).toBe(1);
    expect(await names(member)).toEqual(['Kept', 'Pending']);
    const keyIds = member.vault.access
      .db()
      .prepare<[], { key_id: number }>("SELECT key_id FROM sync_keys WHERE kind = 'workspace'")
      .all()
      .map((r) => r.key_id);
    expect(keyIds).toEqual([1]);
  });

  it('a rotation lost right after a revocation is made by the revoking device at its next sync', async () => {
    const { owner, members, workspaceId } = await team(2);
    const [stay, gone] = members as [TestClient, TestClient];
    dropRotation = true;
    await owner.call('devices.revoke', { deviceId: await deviceIdOf(gone) });
    expect(dropRotation).toBe(false);
    expect((await entries(workspaceId)).at(-1)!.body.kind).toBe('revoke');
    // The member does not rotate for the admin; the revoking device does, on its next cycle.
    await stay.call('sync.now');
    expect((await entries(workspaceId)).at(-1)!.body.kind).toBe('revoke');
    expect((await owner.call('sync.now')).error).toBeNull();
    const last = (await entries(workspaceId)).at(-1)!;
    expect(last.body).toMatchObject({ kind: 'rotate', epoch: 2 });
    // Only once: the next cycles find no rotation due.
    await owner.call('sync.now');
    expect((await entries(workspaceId)).filter((e) => e.body.kind === 'rotate')).toHaveLength(1);
  });

  it('two admins rotating at once both land, one after the other, and everyone adopts the newest', async () => {
    const { owner, members, workspaceId } = await team(1);
    const admin = members[0]!;
    await owner.call('devices.setRole', { deviceId: await deviceIdOf(admin), role: 'admin' });
    await admin.call('sync.now');
    const epochs = await Promise.all([owner.call('sync.rotateKey'), admin.call('sync.rotateKey')]);
    expect(epochs.map((e) => e.epoch).sort()).toEqual([2, 3]);
    for (const c of [owner, admin]) {
      await c.call('contacts.create', { name: `from ${c.name}` });
      expect((await c.call('sync.now')).error).toBeNull();
    }
    await owner.call('sync.now');
    expect(await names(owner)).toEqual(['from m0', 'from owner']);
    expect(new Set(await epochsOf(workspaceId, await deviceIdOf(admin)))).toEqual(new Set([3]));
  });

  it('an invite made before a rotation is void afterwards', async () => {
    const { owner } = await team(0);
    const { code } = await owner.call('invites.create', { ttlHours: 1 });
    await owner.call('sync.rotateKey');
    const late = await client('void');
    await expect(late.call('invites.accept', { code })).rejects.toBeInstanceOf(AppError);
  });
});
