import path from 'node:path';
import { genesisEntry, joinEntry, nextEntry, verifyMembershipLog } from '../../../shared/sync/membership';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url, utf8 } from '../../../shared/sync/encoding';
import { generateWorkspaceKey, openDelta, sealDelta } from '../../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  signInviteAcceptance,
  unwrapWorkspaceKey,
  wrapWorkspaceKey,
} from '../../../shared/sync/invite';
import { fetchTransport } from '../../../electron/services/sync/sync.http';
import { SyncApiClient, type HttpTransport } from '../../../shared/sync/sync.client';
import { tempDir } from '../support/tmp';
import { listen, type RunningServer } from './harness';

/** What Electron main plugs in: Node's fetch. */
const transport = fetchTransport({});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(limits = {}, enrolmentToken?: string): Promise<RunningServer> {
  const storage = SqliteSyncStorage.open(path.join(tempDir('fv-client-'), 'sync.sqlite'));
  const running = await listen({ storage, limits, ...(enrolmentToken ? { enrolmentToken } : {}) });
  cleanups.push(
    () => storage.close(),
    () => running.close(),
  );
  return running;
}

function device() {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  return {
    keys,
    deviceId,
    registration: {
      deviceId,
      signPublicKey: toBase64Url(keys.signPublicKey),
      boxPublicKey: toBase64Url(keys.boxPublicKey),
    },
  };
}

type Device = ReturnType<typeof device>;

function memberOf(d: Device) {
  return { ...d.registration, clockId: d.deviceId.slice(0, 12), name: 'test device' };
}

function genesisOf(d: Device, ws: string) {
  return genesisEntry(ws, memberOf(d), d.keys.signSecretKey, Date.now());
}

/** The workspace's log as `c` fetches and verifies it. */
async function logOf(c: SyncApiClient, ws: string) {
  return verifyMembershipLog((await c.membership(ws, 0)).entries, { workspaceId: ws, genesisHash: null });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
}

/** `ca` invites into `ws` (the workspace key wrapped for the invite) and device `b` joins through `cb`. */
async function inviteAndJoin(
  ca: SyncApiClient,
  a: Device,
  cb: SyncApiClient,
  b: Device,
  ws: string,
  key: ReturnType<typeof generateWorkspaceKey>,
) {
  const inviteId = randomId();
  const secret = createInviteSecret();
  const authPublicKey = toBase64Url(deriveInviteAuthKey(secret, inviteId).publicKey);
  const signer = { deviceId: a.deviceId, signSecretKey: a.keys.signSecretKey };
  await ca.createInvite(ws, {
    inviteId,
    wrappedKey: toBase64Url(wrapWorkspaceKey(key, deriveInviteWrapKey(secret, inviteId, ws), inviteId, ws)),
    authPublicKey,
    expiresAt: Date.now() + 60_000,
    entry: nextEntry(
      await logOf(ca, ws),
      signer,
      { kind: 'invite', inviteId, authPublicKey, role: 'member' },
      1,
    ),
  });
  const proof = signInviteAcceptance(deriveInviteAuthKey(secret, inviteId).secretKey, {
    inviteId,
    ...b.registration,
  });
  const preview = await cb.previewInvite(inviteId, { device: b.registration, proof });
  const state = verifyMembershipLog(preview.entries, { workspaceId: ws, genesisHash: null });
  const entry = joinEntry(
    state,
    { device: memberOf(b), signSecretKey: b.keys.signSecretKey },
    { inviteId, proof },
    2,
  );
  const accepted = await cb.acceptInvite(inviteId, { device: b.registration, proof, entry });
  return { inviteId, secret, accepted };
}

describe('SyncApiClient (shared, runs anywhere) against the real server', () => {
  it('drives the whole protocol: workspace, invite, push, pull, wait, revoke', async () => {
    const srv = await server();
    const a = device();
    const b = device();
    const ca = new SyncApiClient(srv.url + '/', transport, {
      deviceId: a.deviceId,
      signSecretKey: a.keys.signSecretKey,
    });
    const cb = new SyncApiClient(srv.url, transport, {
      deviceId: b.deviceId,
      signSecretKey: b.keys.signSecretKey,
    });
    expect((await ca.health()).status).toBe('ok');
    const ws = randomId();
    const key = generateWorkspaceKey();
    await ca.createWorkspace(ws, a.registration, genesisOf(a, ws));

    const { inviteId, secret, accepted } = await inviteAndJoin(ca, a, cb, b, ws, key);
    const bKey = unwrapWorkspaceKey(
      fromBase64Url(accepted.wrappedKey),
      deriveInviteWrapKey(secret, inviteId, accepted.workspaceId),
      inviteId,
      accepted.workspaceId,
    );
    expect(bKey).toEqual(key);

    const waiting = cb.wait(ws, 0, 20_000);
    const deltaId = randomId();
    const envelope = sealDelta(
      utf8('hello'),
      { workspaceId: ws, deviceId: a.deviceId, deltaId },
      key,
      a.keys.signSecretKey,
    );
    const pushed = await ca.push(ws, [{ deltaId, envelope: toBase64Url(envelope) }]);
    expect(pushed.results[0]).toMatchObject({ seq: 1, duplicate: false });
    expect(await waiting).toEqual({ latestSeq: 1, changed: true });
    const page = await cb.pull(ws, 0);
    const d = page.deltas[0]!;
    expect(
      new TextDecoder().decode(
        openDelta(
          fromBase64Url(d.envelope),
          { workspaceId: ws, deviceId: d.deviceId, deltaId: d.deltaId },
          () => bKey.key,
          a.keys.signPublicKey,
        ).plaintext,
      ),
    ).toBe('hello');
    expect((await cb.listDevices(ws)).devices).toHaveLength(2);

    const signer = { deviceId: a.deviceId, signSecretKey: a.keys.signSecretKey };
    await ca.appendMembership(
      ws,
      nextEntry(await logOf(ca, ws), signer, { kind: 'revoke', deviceId: b.deviceId }, 3),
    );
    expect(await codeOf(cb.pull(ws, 0))).toBe('DEVICE_REVOKED');
    expect(await codeOf(cb.me(ws))).toBe('DEVICE_REVOKED');
  });

  it('adopts the server clock after CLOCK_SKEW and retries once', async () => {
    const srv = await server();
    const a = device();
    const slow = new SyncApiClient(
      srv.url,
      transport,
      { deviceId: a.deviceId, signSecretKey: a.keys.signSecretKey },
      () => Date.now() - 20 * 60_000,
    );
    const ws = randomId();
    await slow.createWorkspace(ws, a.registration, genesisOf(a, ws));
    expect(slow.clockOffsetMs).toBeGreaterThan(19 * 60_000);
  });

  it('creates workspaces on an enrolment-only server with IT’s code only; joining needs none', async () => {
    const code = 'it-approved-enrolment-7f3a9c';
    const srv = await server({}, code);
    const a = device();
    const ca = new SyncApiClient(srv.url, transport, {
      deviceId: a.deviceId,
      signSecretKey: a.keys.signSecretKey,
    });
    const ws = randomId();
    const genesis = genesisOf(a, ws);
    expect(await codeOf(ca.createWorkspace(ws, a.registration, genesis))).toBe('ENROLMENT_REQUIRED');
    expect(await codeOf(ca.createWorkspace(ws, a.registration, genesis, `${code}x`))).toBe(
      'ENROLMENT_REQUIRED',
    );
    expect(await codeOf(ca.createWorkspace(ws, a.registration, genesis, code.slice(1)))).toBe(
      'ENROLMENT_REQUIRED',
    );
    // Nothing was created by the refused attempts: the same ids work with the code.
    expect(await codeOf(ca.createWorkspace(ws, a.registration, genesis, code))).toBe('ok');
    // Joining is by invite as always.
    const b = device();
    const cb = new SyncApiClient(srv.url, transport, {
      deviceId: b.deviceId,
      signSecretKey: b.keys.signSecretKey,
    });
    const { accepted } = await inviteAndJoin(ca, a, cb, b, ws, generateWorkspaceKey());
    expect(accepted.workspaceId).toBe(ws);
  });

  it('maps an unreachable server to SYNC_OFFLINE and throttling to RATE_LIMITED', async () => {
    const srv = await server({ rateMax: 2 });
    const a = device();
    const client = new SyncApiClient(srv.url, transport, {
      deviceId: a.deviceId,
      signSecretKey: a.keys.signSecretKey,
    });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOf(client.me(randomId())));
    expect(codes).toContain('RATE_LIMITED');
    await srv.close();
    expect(await codeOf(client.health())).toBe('SYNC_OFFLINE');
    const garbage: HttpTransport = () =>
      Promise.resolve({ status: 200, text: '{"status":"fine"}', headers: new Headers() });
    expect(
      await codeOf(
        new SyncApiClient('http://x', garbage, {
          deviceId: a.deviceId,
          signSecretKey: a.keys.signSecretKey,
        }).health(),
      ),
    ).toBe('INTERNAL');
  });
});
