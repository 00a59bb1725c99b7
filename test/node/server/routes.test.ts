import { afterEach, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../server/app';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { toBase64Url, utf8 } from '../../../shared/sync/encoding';
import { generateWorkspaceKey, sealDelta } from '../../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  signInviteAcceptance,
  wrapWorkspaceKey,
} from '../../../shared/sync/invite';
import {
  appendEntry,
  entryHash,
  genesisEntry,
  joinEntry,
  nextEntry,
  verifyMembershipLog,
} from '../../../shared/sync/membership';
import { syncRouteNames, syncRoutes, type SyncRouteName } from '../../../shared/sync/routes';
import { SyncApiClient, type HttpTransport } from '../../../shared/sync/sync.client';
import { signCompaction } from '../../../shared/sync/compaction';
import { chunkDigest, sealChunk, signManifest } from '../../../shared/sync/snapshot';
import { listen } from './harness';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `METHOD /full/path/:param` for every route in Fastify's printed route tree (HEAD is implied by GET). */
function servedRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(full);
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.push(`${method} ${full}`);
  }
  return out.sort();
}

/** Matches a concrete request path (and query) against a route's path template. */
function matches(name: SyncRouteName, path: string): boolean {
  const template = syncRoutes[name].path.replace(/:[A-Za-z]+/g, '[A-Za-z0-9_-]{16,64}');
  return new RegExp(`^${template}(\\?.*)?$`).test(path);
}

function device() {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  const registration = {
    deviceId,
    signPublicKey: toBase64Url(keys.signPublicKey),
    boxPublicKey: toBase64Url(keys.boxPublicKey),
  };
  return { keys, deviceId, registration };
}

describe('the route table binds server and client', () => {
  it('the server serves exactly the routes of the table', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    const app = await createSyncServer({ storage });
    cleanups.push(
      () => storage.close(),
      () => app.close(),
    );
    await app.ready();
    for (const name of syncRouteNames) {
      const { method, path } = syncRoutes[name];
      expect(app.hasRoute({ method, url: path }), `${method} ${path}`).toBe(true);
    }
    const table = syncRouteNames.map((name) => `${syncRoutes[name].method} ${syncRoutes[name].path}`);
    expect(servedRoutes(app.printRoutes({ commonPrefix: false }))).toEqual(table.sort());
  });

  it('every client method is the table route of its name, answered with its status and schema', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    const server = await listen({ storage });
    cleanups.push(
      () => storage.close(),
      () => server.close(),
    );
    const seen: { method: string; path: string; status: number }[] = [];
    const transport: HttpTransport = async (request) => {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body ? Buffer.from(request.body) : undefined,
      });
      const url = new URL(request.url);
      seen.push({ method: request.method, path: url.pathname + url.search, status: response.status });
      return { status: response.status, text: await response.text(), headers: response.headers };
    };
    const a = device();
    const b = device();
    const ca = new SyncApiClient(server.url, transport, {
      deviceId: a.deviceId,
      signSecretKey: a.keys.signSecretKey,
    });
    const cb = new SyncApiClient(server.url, transport, {
      deviceId: b.deviceId,
      signSecretKey: b.keys.signSecretKey,
    });
    const ws = randomId();
    const key = generateWorkspaceKey();
    const inviteId = randomId();
    const secret = createInviteSecret();
    const auth = deriveInviteAuthKey(secret, inviteId);
    const deltaId = randomId();
    // The membership entries the calls carry, signed as real devices would in this order.
    const memberOf = (d: typeof a) => ({ ...d.registration, clockId: d.deviceId.slice(0, 12), name: 'test' });
    const genesis = genesisEntry(ws, memberOf(a), a.keys.signSecretKey, Date.now());
    const s0 = verifyMembershipLog([genesis], { workspaceId: ws, genesisHash: entryHash(genesis) });
    const authPublicKey = toBase64Url(auth.publicKey);
    const signer = { deviceId: a.deviceId, signSecretKey: a.keys.signSecretKey };
    const inviteEntry = nextEntry(s0, signer, { kind: 'invite', inviteId, authPublicKey, role: 'member' }, 1);
    const s1 = appendEntry(s0, inviteEntry);
    const proof = signInviteAcceptance(auth.secretKey, { inviteId, ...b.registration });
    const join = joinEntry(
      s1,
      { device: memberOf(b), signSecretKey: b.keys.signSecretKey },
      { inviteId, proof },
      2,
    );
    const s2 = appendEntry(s1, join);

    const snapshotId = randomId();
    const place = { workspaceId: ws, epoch: 1, snapshotId, index: 0, count: 1, seq: 1 };
    const chunk = sealChunk(utf8('{"v":1,"rows":[]}'), key.key, place);
    const manifest = signManifest(
      {
        v: 1,
        workspaceId: ws,
        snapshotId,
        deviceId: a.deviceId,
        epoch: 1,
        seq: 1,
        chunks: [chunkDigest(chunk)],
        rows: 0,
        heads: [],
        createdAt: 1,
      },
      a.keys.signSecretKey,
    );
    const calls: Record<SyncRouteName, () => Promise<unknown>> = {
      health: () => ca.health(),
      createWorkspace: () => ca.createWorkspace(ws, a.registration, genesis),
      createInvite: () =>
        ca.createInvite(ws, {
          inviteId,
          wrappedKey: toBase64Url(
            wrapWorkspaceKey(key, deriveInviteWrapKey(secret, inviteId, ws), inviteId, ws),
          ),
          authPublicKey,
          expiresAt: Date.now() + 60_000,
          entry: inviteEntry,
        }),
      previewInvite: () => cb.previewInvite(inviteId, { device: b.registration, proof }),
      acceptInvite: () => cb.acceptInvite(inviteId, { device: b.registration, proof, entry: join }),
      me: () => cb.me(ws),
      listDevices: () => ca.listDevices(ws),
      membership: () => ca.membership(ws, 0),
      push: () =>
        ca.push(ws, [
          {
            deltaId,
            envelope: toBase64Url(
              sealDelta(
                utf8('x'),
                { workspaceId: ws, deviceId: a.deviceId, deltaId },
                key,
                a.keys.signSecretKey,
              ),
            ),
          },
        ]),
      pull: () => cb.pull(ws, 0, 10),
      wait: () => cb.wait(ws, 0, 1_000),
      putSnapshotChunk: () => ca.putSnapshotChunk(ws, snapshotId, 0, toBase64Url(chunk)),
      commitSnapshot: () => ca.commitSnapshot(ws, manifest),
      latestSnapshot: () => cb.latestSnapshot(ws),
      snapshotChunk: () => cb.snapshotChunk(ws, snapshotId, 0),
      compactLog: () =>
        ca.compactLog(
          ws,
          signCompaction(
            { v: 1, workspaceId: ws, snapshotId, deviceId: a.deviceId, seq: 1, createdAt: 1 },
            a.keys.signSecretKey,
          ),
        ),
      appendMembership: () =>
        ca.appendMembership(ws, nextEntry(s2, signer, { kind: 'revoke', deviceId: b.deviceId }, 3)),
    };
    // One method per route, of the same name, and nothing else public.
    const methods = Object.getOwnPropertyNames(SyncApiClient.prototype).filter((n) => n !== 'constructor');
    expect(methods.sort()).toEqual([...syncRouteNames].sort());

    // Revocation last: the revoked device could not call anything after it.
    const order: SyncRouteName[] = [
      'health',
      'createWorkspace',
      'createInvite',
      'previewInvite',
      'acceptInvite',
      'me',
      'listDevices',
      'membership',
      'push',
      'pull',
      'wait',
      'putSnapshotChunk',
      'commitSnapshot',
      'latestSnapshot',
      'snapshotChunk',
      'compactLog',
      'appendMembership',
    ];
    expect([...order].sort()).toEqual([...syncRouteNames].sort());
    for (const name of order) {
      const before = seen.length;
      // Resolving means the client parsed the answer with the route's response schema.
      await expect(calls[name](), name).resolves.toBeDefined();
      expect(seen.slice(before), name).toHaveLength(1);
      const request = seen[before]!;
      expect(request.method, name).toBe(syncRoutes[name].method);
      expect(matches(name, request.path), `${name}: ${request.path}`).toBe(true);
      expect(request.status, name).toBe(syncRoutes[name].status);
    }
    expect(seen.find((r) => r.path.startsWith('/v1/workspaces/') && r.path.includes('/deltas?'))?.path).toBe(
      `/v1/workspaces/${ws}/deltas?after=0&limit=10`,
    );
  });
});
