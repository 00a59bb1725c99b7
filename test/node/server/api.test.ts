import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { toBase64Url, utf8 } from '../../../shared/sync/encoding';
import { EnvelopeError } from '../../../shared/sync/envelope';
import {
  deviceInfoSchema,
  listDevicesResponseSchema,
  waitResponseSchema,
  healthResponseSchema,
  meResponseSchema,
} from '../../../shared/sync/protocol';
import { genesisEntry } from '../../../shared/sync/membership';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { SERVER_TIME_HEADER } from '../../../shared/sync/signing';
import type { SyncStorage } from '../../../server/storage/storage';
import { PostgresSyncStorage } from '../../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { postgresBackend, tamperPostgresDelta, tamperSqliteDelta, usePostgresCluster } from './backends';
import { expectAbsentFrom, listen, type RunningServer } from './harness';
import { errorCode, TestDevice } from './sync-client';

interface ApiBackend {
  readonly name: 'sqlite' | 'postgres';
  /** Flips one ciphertext byte of a stored delta, as an attacker holding the database would. */
  tamper(location: string, workspaceId: string, seq: number): Promise<void>;
  open(): Promise<{ location: string; storage: SyncStorage }>;
  /** A second, independent handle on the same data (another server instance). */
  reopen(location: string): Promise<SyncStorage>;
  files(location: string): Promise<string[]>;
  cleanup(location: string): void;
}

const sqlite: ApiBackend = {
  name: 'sqlite',
  open() {
    const dir = mkdtempSync(path.join(tmpdir(), 'fv-api-'));
    const location = path.join(dir, 'sync.sqlite');
    return Promise.resolve({ location, storage: SqliteSyncStorage.open(location) });
  },
  reopen: (location) => Promise.resolve(SqliteSyncStorage.open(location)),
  tamper: tamperSqliteDelta,
  files: (location) => Promise.resolve(['', '-wal', '-shm'].map((suffix) => location + suffix)),
  cleanup: (location) => rmSync(path.dirname(location), { recursive: true, force: true }),
};

const postgres: ApiBackend = {
  name: 'postgres',
  open: () => postgresBackend.open(),
  reopen: (location) => PostgresSyncStorage.connect(location),
  tamper: tamperPostgresDelta,
  files: () => postgresBackend.diskFiles(''),
  cleanup: () => undefined,
};

/** The HTTP API suite, over real loopback HTTP, against each durable backend. */
describe.each([sqlite, postgres])('sync API over HTTP: $name', (backend) => {
  // Only this backend's tests depend on the cluster (and fail, never skip, without it).
  if (backend.name === 'postgres') usePostgresCluster();
  let storage: SyncStorage;
  let location: string;
  let server: RunningServer;
  /** Plaintexts the clients sealed, and key material: none may ever reach the server's storage. */
  const secrets: Uint8Array[] = [];
  const extra: { close(): Promise<void> }[] = [];
  let someWorkspaceId = '';

  beforeAll(async () => {
    ({ storage, location } = await backend.open());
    server = await listen({ storage });
  });
  afterAll(async () => {
    for (const x of extra.splice(0).reverse()) await x.close();
    await server?.close();
    await storage?.close();
    if (location) backend.cleanup(location);
  });

  function marker(): string {
    const m = `MARKER-${randomId()}`;
    secrets.push(utf8(m));
    return m;
  }
  async function team(): Promise<{ a: TestDevice; b: TestDevice }> {
    const a = new TestDevice(server.url);
    await a.createWorkspace();
    secrets.push(a.workspaceKey!.key);
    someWorkspaceId = a.workspaceId;
    const b = new TestDevice(server.url);
    const r = await b.accept(await a.invite());
    expect(r.status).toBe(200);
    return { a, b };
  }
  /** Another server instance on the same storage location, with its own limits or clock. */
  async function instance(
    options: Omit<Parameters<typeof listen>[0], 'storage'> = {},
  ): Promise<RunningServer> {
    const s = await backend.reopen(location);
    const running = await listen({ ...options, storage: s });
    extra.push(s, running);
    return running;
  }

  it('serves /health with the storage kind and the server clock', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(await response.json()).storage).toBe(backend.name);
    expect(Number(response.headers.get(SERVER_TIME_HEADER))).toBeGreaterThan(0);
  });

  it('/health reports 503 when the storage does not answer', async () => {
    const closed = await backend.reopen(location);
    await closed.close();
    const down = await listen({ storage: closed });
    extra.push(down);
    const response = await fetch(`${down.url}/health`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INTERNAL');
  });

  it('creates a workspace, registers devices through an invite, and carries the workspace key end to end', async () => {
    const { a, b } = await team();
    expect(b.workspaceId).toBe(a.workspaceId);
    expect(b.workspaceKey).toEqual(a.workspaceKey);
    const list = await a.call('GET', syncPath(syncRoutes.listDevices, { workspaceId: a.workspaceId }));
    const devices = listDevicesResponseSchema.parse(list.json).devices;
    expect(devices.map((d) => d.deviceId).sort()).toEqual([a.deviceId, b.deviceId].sort());
    expect(devices.find((d) => d.deviceId === b.deviceId)).toMatchObject({
      status: 'active',
      invitedBy: a.deviceId,
    });
    const me = meResponseSchema.parse(
      (await b.call('GET', syncPath(syncRoutes.me, { workspaceId: b.workspaceId }))).json,
    );
    expect(me.device.signPublicKey).toBe(toBase64Url(b.keys.signPublicKey));

    // The same workspace id again, or a signature by another key than the registered one: refused.
    const stranger = new TestDevice(server.url);
    const again = await a.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: a.workspaceId,
      device: stranger.registration(),
      genesis: genesisEntry(a.workspaceId, stranger.member(), stranger.keys.signSecretKey, Date.now()),
    });
    expect([again.status, errorCode(again)]).toEqual([401, 'SYNC_UNAUTHORIZED']);
    const c = new TestDevice(server.url);
    const dup = await c.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: a.workspaceId,
      device: c.registration(),
      genesis: genesisEntry(a.workspaceId, c.member(), c.keys.signSecretKey, Date.now()),
    });
    expect([dup.status, errorCode(dup)]).toEqual([409, 'CONFLICT']);
    // A genesis entry that does not describe the creating device, or is not its signature: refused.
    const d = new TestDevice(server.url);
    const mismatched = await d.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: randomId(),
      device: d.registration(),
      genesis: genesisEntry(randomId(), c.member(), c.keys.signSecretKey, Date.now()),
    });
    expect([mismatched.status, errorCode(mismatched)]).toEqual([400, 'VALIDATION']);
  });

  it('invites are single-use, expire, need the secret, and a lost response can be retried', async () => {
    const a = new TestDevice(server.url);
    await a.createWorkspace();
    const code = await a.invite();
    const b = new TestDevice(server.url);
    expect((await b.accept(code)).status).toBe(200);
    expect((await b.accept(code)).status).toBe(200); // retry by the same device
    const c = new TestDevice(server.url);
    const used = await c.accept(code);
    expect([used.status, errorCode(used)]).toEqual([409, 'CONFLICT']);

    // A wrong secret cannot accept (the proof fails) and does not consume the invite.
    const fresh = await a.invite();
    const parts = fresh.split('.');
    const forged = [parts[0], parts[1], parts[2], toBase64Url(new Uint8Array(16)), parts[4]].join('.');
    const wrong = await c.accept(forged);
    expect([wrong.status, errorCode(wrong)]).toEqual([401, 'SYNC_UNAUTHORIZED']);
    expect((await c.accept(fresh)).status).toBe(200);

    const unknown = await new TestDevice(server.url).accept(forged.replace(parts[2]!, randomId()));
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'NOT_FOUND']);

    // Expiry: a server whose clock is 2 minutes ahead sees a 1-minute invite as expired.
    const later = await instance({ clock: () => Date.now() + 120_000 });
    const short = await a.invite(60_000);
    const late = new TestDevice(later.url);
    const expired = await late.accept(short);
    expect([expired.status, errorCode(expired)]).toEqual([410, 'NOT_FOUND']);
    await a.refresh();
    const longId = randomId();
    const longKey = toBase64Url(a.keys.signPublicKey);
    const tooLong = await a.call('POST', syncPath(syncRoutes.createInvite, { workspaceId: a.workspaceId }), {
      inviteId: longId,
      wrappedKey: toBase64Url(new Uint8Array(77)),
      authPublicKey: longKey,
      expiresAt: Date.now() + 30 * 24 * 3600_000,
      entry: a.signEntry({ kind: 'invite', inviteId: longId, authPublicKey: longKey, role: 'member' }),
    });
    expect([tooLong.status, errorCode(tooLong)]).toEqual([400, 'VALIDATION']);
  });

  it('push is idempotent by delta id; other content under a used id is a conflict', async () => {
    const { a, b } = await team();
    const deltas = [a.seal(marker()), a.seal(marker()), a.seal(marker())];
    const first = await a.push(deltas);
    expect(first.results.map((r) => [r.seq, r.duplicate])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    const retry = await a.push(deltas);
    expect(retry.results.map((r) => [r.seq, r.duplicate])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(retry.latestSeq).toBe(3);
    const clash = await a.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), {
      deltas: [a.seal(marker(), deltas[0]!.deltaId)],
    });
    expect([clash.status, errorCode(clash)]).toEqual([409, 'CONFLICT']);
    // Another device re-pushing the same id is also refused (its envelope is bound to it anyway).
    const stolen = await b.call('POST', syncPath(syncRoutes.push, { workspaceId: b.workspaceId }), {
      deltas: [deltas[0]],
    });
    expect([stolen.status, errorCode(stolen)]).toEqual([409, 'CONFLICT']);
    expect((await b.pullAll()).length).toBe(3);
  });

  it('pull pages since a cursor, clamps the page size, and every delta opens on the other device', async () => {
    const { a, b } = await team();
    const texts = Array.from({ length: 25 }, () => marker());
    for (let i = 0; i < 25; i += 5) await a.push(texts.slice(i, i + 5).map((t) => a.seal(t)));
    const p1 = await b.pull(0, 10);
    expect([p1.deltas.length, p1.nextCursor, p1.hasMore, p1.latestSeq]).toEqual([10, 10, true, 25]);
    const p3 = await b.pull(20, 10);
    expect([p3.deltas.length, p3.nextCursor, p3.hasMore]).toEqual([5, 25, false]);
    const empty = await b.pull(25, 10);
    expect([empty.deltas.length, empty.nextCursor, empty.hasMore]).toEqual([0, 25, false]);
    const all = await b.pullAll(7);
    expect(all.map((x) => x.plaintext)).toEqual(texts);
    expect(all.every((x) => x.delta.deviceId === a.deviceId && x.delta.receivedAt > 0)).toBe(true);

    const small = await instance({ limits: { maxPageSize: 4 } });
    const viaSmall = new TestDevice(small.url);
    Object.assign(viaSmall, { keys: b.keys, deviceId: b.deviceId, workspaceId: b.workspaceId });
    expect((await viaSmall.pull(0, 1000)).deltas.length).toBe(4);
    const bad = await b.call('GET', `/v1/workspaces/${b.workspaceId}/deltas?after=-1`);
    expect([bad.status, errorCode(bad)]).toEqual([400, 'VALIDATION']);
  });

  it('long-poll wakes when a delta arrives and times out empty otherwise', async () => {
    const { a, b } = await team();
    const idle = waitResponseSchema.parse(
      (
        await b.call(
          'GET',
          syncPath(syncRoutes.wait, { workspaceId: b.workspaceId }, { after: 0, timeoutMs: 200 }),
        )
      ).json,
    );
    expect(idle).toEqual({ latestSeq: 0, changed: false });
    const waiting = b.call(
      'GET',
      syncPath(syncRoutes.wait, { workspaceId: b.workspaceId }, { after: 0, timeoutMs: 20_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await a.push([a.seal(marker())]);
    const woke = waitResponseSchema.parse((await waiting).json);
    expect(woke).toEqual({ latestSeq: 1, changed: true });
  });

  it('rejects replays, stale timestamps, altered bodies, unknown devices and foreign workspaces', async () => {
    const { a } = await team();
    const path1 = syncPath(syncRoutes.pull, { workspaceId: a.workspaceId }, { after: 0 });
    expect((await a.call('GET', path1)).status).toBe(200);
    const replay = await a.call('GET', path1, undefined, { headers: a.lastHeaders });
    expect([replay.status, errorCode(replay)]).toEqual([401, 'SYNC_UNAUTHORIZED']);

    const stale = await a.call('GET', path1, undefined, { now: Date.now() - 10 * 60_000 });
    expect([stale.status, errorCode(stale)]).toEqual([401, 'CLOCK_SKEW']);

    const body = { deltas: [a.seal(marker())] };
    const altered = utf8(JSON.stringify({ deltas: [a.seal(marker())] }));
    const tampered = await a.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), body, {
      sendBytes: altered,
    });
    expect([tampered.status, errorCode(tampered)]).toEqual([401, 'SYNC_UNAUTHORIZED']);

    const stranger = new TestDevice(server.url);
    stranger.workspaceId = a.workspaceId;
    const unknown = await stranger.call('GET', path1);
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'SYNC_UNAUTHORIZED']);
    const unsigned = await a.call('GET', path1, undefined, { unsigned: true });
    expect([unsigned.status, errorCode(unsigned)]).toEqual([401, 'SYNC_UNAUTHORIZED']);

    const other = await team();
    const foreign = await other.a.call(
      'GET',
      syncPath(syncRoutes.pull, { workspaceId: a.workspaceId }, { after: 0 }),
    );
    expect([foreign.status, errorCode(foreign)]).toEqual([401, 'SYNC_UNAUTHORIZED']);
    // Nothing of the refused push landed.
    expect((await a.pull(0)).deltas.length).toBe(0);
  });

  it('a revoked device is refused with DEVICE_REVOKED on every route', async () => {
    const { a, b } = await team();
    await b.push([b.seal(marker())]);
    const r = await a.revoke(b.deviceId);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(deviceInfoSchema.parse((r.json as { device: unknown }).device).status).toBe('revoked');
    for (const attempt of [
      () => b.call('GET', syncPath(syncRoutes.pull, { workspaceId: b.workspaceId }, { after: 0 })),
      () =>
        b.call('POST', syncPath(syncRoutes.push, { workspaceId: b.workspaceId }), {
          deltas: [b.seal(marker())],
        }),
      () => b.call('GET', syncPath(syncRoutes.me, { workspaceId: b.workspaceId })),
      () =>
        b.call(
          'GET',
          syncPath(syncRoutes.wait, { workspaceId: b.workspaceId }, { after: 0, timeoutMs: 100 }),
        ),
    ]) {
      const res = await attempt();
      expect([res.status, errorCode(res)]).toEqual([403, 'DEVICE_REVOKED']);
    }
    // Its earlier delta stays in the log; the others still sync.
    expect((await a.pullAll()).length).toBe(1);
    const missing = await a.revoke(randomId());
    expect([missing.status, errorCode(missing)]).toEqual([404, 'NOT_FOUND']);
    // A revoked device still reads the signed log, to verify its own revocation before wiping.
    const log = await b.call(
      'GET',
      syncPath(syncRoutes.membership, { workspaceId: b.workspaceId }, { from: 0 }),
    );
    expect(log.status).toBe(200);
  });

  // Issue 11: today any member could revoke anyone, the creator included.
  it('enforces roles: members cannot revoke, invite or promote; admins act up to their rank; the last owner stays', async () => {
    const { a: owner, b: member } = await team();
    const admin = new TestDevice(server.url);
    expect((await admin.accept(await owner.invite(60_000, Date.now(), 'admin'))).status).toBe(200);
    const other = new TestDevice(server.url);
    expect((await other.accept(await admin.invite())).status).toBe(200);
    const refused = async (r: Promise<{ status: number; json: unknown }>) => {
      const res = await r;
      return [res.status, errorCode({ ...res, headers: new Headers() })];
    };
    expect(await refused(member.revoke(owner.deviceId))).toEqual([403, 'FORBIDDEN']);
    expect(await refused(member.revoke(other.deviceId))).toEqual([403, 'FORBIDDEN']);
    expect(
      await refused(member.appendMembership({ kind: 'role', deviceId: member.deviceId, role: 'admin' })),
    ).toEqual([403, 'FORBIDDEN']);
    expect(await refused(admin.revoke(owner.deviceId))).toEqual([403, 'FORBIDDEN']);
    expect(await refused(owner.revoke(owner.deviceId))).toEqual([403, 'FORBIDDEN']);
    // A member's invite is refused and leaves no invite behind.
    await member.refresh();
    const inviteId = randomId();
    const authPublicKey = toBase64Url(generateDeviceKeys().signPublicKey);
    const sneaky = await member.call(
      'POST',
      syncPath(syncRoutes.createInvite, { workspaceId: member.workspaceId }),
      {
        inviteId,
        wrappedKey: toBase64Url(new Uint8Array(77)),
        authPublicKey,
        expiresAt: Date.now() + 60_000,
        entry: member.signEntry({ kind: 'invite', inviteId, authPublicKey, role: 'member' }),
      },
    );
    expect([sneaky.status, errorCode(sneaky)]).toEqual([403, 'FORBIDDEN']);
    // Nobody was revoked by any of that.
    for (const d of [owner, member, other])
      expect((await d.call('GET', syncPath(syncRoutes.me, { workspaceId: d.workspaceId }))).status).toBe(200);
    // An admin revokes a member; a viewer may read but not push.
    expect((await admin.revoke(other.deviceId)).status).toBe(200);
    expect(
      (await owner.appendMembership({ kind: 'role', deviceId: member.deviceId, role: 'viewer' })).status,
    ).toBe(200);
    const push = await member.call('POST', syncPath(syncRoutes.push, { workspaceId: member.workspaceId }), {
      deltas: [member.seal(marker())],
    });
    expect([push.status, errorCode(push)]).toEqual([403, 'FORBIDDEN']);
    expect(
      (await member.call('GET', syncPath(syncRoutes.pull, { workspaceId: member.workspaceId }, { after: 0 })))
        .status,
    ).toBe(200);
    const state = await owner.refresh();
    expect(state.members.get(other.deviceId)).toMatchObject({ status: 'revoked', revokedBy: admin.deviceId });
    expect(state.members.get(member.deviceId)).toMatchObject({ role: 'viewer', invitedBy: owner.deviceId });
  });

  it('enforces body, batch and rate limits with typed errors', async () => {
    const { a } = await team();
    const limited = await instance({ limits: { maxBodyBytes: 64 * 1024, rateMax: 5, rateWindowMs: 60_000 } });
    const dev = new TestDevice(limited.url);
    Object.assign(dev, {
      keys: a.keys,
      deviceId: a.deviceId,
      workspaceId: a.workspaceId,
      workspaceKey: a.workspaceKey,
    });
    const big = await dev.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), {
      deltas: [dev.seal('x'.repeat(100_000))],
    });
    expect([big.status, errorCode(big)]).toEqual([413, 'VALIDATION']);
    const many = await a.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), {
      deltas: Array.from({ length: 101 }, () => a.seal('x')),
    });
    expect([many.status, errorCode(many)]).toEqual([400, 'VALIDATION']);
    const notJson = await fetch(`${server.url}${syncPath(syncRoutes.push, { workspaceId: a.workspaceId })}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notJson.status).toBe(415);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestDevice['call']>> | undefined;
    for (let i = 0; i < 8; i++) {
      last = await dev.call('GET', syncPath(syncRoutes.me, { workspaceId: a.workspaceId }));
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(errorCode(last!)).toBe('RATE_LIMITED');
    // The counters live in storage: another instance with the same limit refuses this client too.
    const sibling = await instance({ limits: { rateMax: 5, rateWindowMs: 60_000 } });
    const viaSibling = new TestDevice(sibling.url);
    Object.assign(viaSibling, { keys: a.keys, deviceId: a.deviceId, workspaceId: a.workspaceId });
    const shared = await viaSibling.call('GET', syncPath(syncRoutes.me, { workspaceId: a.workspaceId }));
    expect([shared.status, errorCode(shared)]).toEqual([429, 'RATE_LIMITED']);
    const route404 = await fetch(`${server.url}/nope`);
    expect(route404.status).toBe(404);
    const badUrl = await fetch(`${server.url}/v1/workspaces/%E0%A4%A/deltas`);
    expect([badUrl.status, ((await badUrl.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'VALIDATION',
    ]);
  });

  it('two server instances on one storage serve the same log, share replay protection and wake each other', async () => {
    const { a, b } = await team();
    // On PostgreSQL the wake-up must come from LISTEN/NOTIFY, not from the periodic check.
    const second = await instance(backend.name === 'postgres' ? { limits: { pollIntervalMs: 60_000 } } : {});
    const bOnSecond = new TestDevice(second.url);
    Object.assign(bOnSecond, {
      keys: b.keys,
      deviceId: b.deviceId,
      workspaceId: b.workspaceId,
      workspaceKey: b.workspaceKey,
      genesisHash: b.genesisHash,
    });

    const waiting = bOnSecond.call(
      'GET',
      syncPath(syncRoutes.wait, { workspaceId: b.workspaceId }, { after: 0, timeoutMs: 20_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const texts = [marker(), marker(), marker()];
    await a.push(texts.map((t) => a.seal(t)));
    expect(waitResponseSchema.parse((await waiting).json)).toEqual({ latestSeq: 3, changed: true });
    expect((await bOnSecond.pullAll()).map((x) => x.plaintext)).toEqual(texts);

    // A request seen by instance 1 cannot be replayed against instance 2.
    const p = syncPath(syncRoutes.me, { workspaceId: b.workspaceId });
    expect((await b.call('GET', p)).status).toBe(200);
    const replay = await bOnSecond.call('GET', p, undefined, { headers: b.lastHeaders });
    expect([replay.status, errorCode(replay)]).toEqual([401, 'SYNC_UNAUTHORIZED']);

    // Interleaved pushes through both instances get one gapless sequence.
    await Promise.all([
      a.push([a.seal(marker())]),
      bOnSecond.push([bOnSecond.seal(marker())]),
      a.push([a.seal(marker())]),
      bOnSecond.push([bOnSecond.seal(marker())]),
    ]);
    expect((await b.pullAll()).map((x) => x.delta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a delta altered in storage fails to open on the client, and the rest still opens', async () => {
    const { a, b } = await team();
    const texts = [marker(), marker(), marker()];
    await a.push(texts.map((t) => a.seal(t)));
    await backend.tamper(location, a.workspaceId, 2);
    await b.refresh();
    const page = await b.pull(0);
    expect(page.deltas.length).toBe(3);
    const opened = page.deltas.map((d) => {
      try {
        return b.open(d);
      } catch (error) {
        return error instanceof EnvelopeError ? `rejected:${error.reason}` : 'other';
      }
    });
    // The author's signature covers the sealed bytes, so a change in storage fails it first.
    expect(opened).toEqual([texts[0], 'rejected:bad_signature', texts[2]]);
  });

  it('after all of the above, the storage holds none of the sealed plaintexts or workspace keys', async () => {
    expect(secrets.length).toBeGreaterThan(20);
    if (backend.name === 'sqlite') {
      // Flush the WAL into the main file too, so both are scanned with content.
      const db = new Database(location);
      db.pragma('wal_checkpoint(PASSIVE)');
      db.close();
    }
    expectAbsentFrom(await backend.files(location), secrets, someWorkspaceId);
  });
});
