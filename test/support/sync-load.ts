import { generateDeviceKeys, randomId } from '../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url, utf8 } from '../../shared/sync/encoding';
import { generateWorkspaceKey, type WorkspaceKey } from '../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  signInviteAcceptance,
  wrapWorkspaceKey,
} from '../../shared/sync/invite';
import {
  appendEntry,
  entryHash,
  genesisEntry,
  joinEntry,
  nextEntry,
  verifyMembershipLog,
  type MembershipState,
} from '../../shared/sync/membership';
import { SYNC_LIMITS } from '../../shared/sync/protocol';
import { syncPath, syncRoutes } from '../../shared/sync/routes';
import { signRequest } from '../../shared/sync/signing';
import { SyncApiClient, type HttpTransport } from '../../shared/sync/sync.client';

/**
 * The server load of issue 17, shared by the load test (test/node/server/load.pull.test.ts) and the
 * sync bench: devices enrolled in workspaces of five through the real invite flow, each pushing
 * numbered ops of ~300 B, one per delta or packed many to a delta, and pulling its workspace's log
 * with the shipped `SyncApiClient`, page after page until caught up. The server never opens an
 * envelope, so an envelope here is the ops' text: each pull can be checked op by op.
 */

/** Node's fetch as the client's transport (as electron/services/sync/sync.http.ts, without timers). */
export const loadTransport: HttpTransport = async ({ method, url, headers, body }) => {
  const response = await fetch(url, {
    method,
    headers,
    body: body ? Buffer.from(body) : undefined,
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
};

export interface LoadDevice {
  readonly deviceId: string;
  readonly signSecretKey: Uint8Array;
  readonly workspaceId: string;
  /** The workspace key every device of the workspace holds (the invite wraps it). */
  readonly workspaceKey: WorkspaceKey;
}

/** The shipped API client of `device` for the server at `url` (any instance on the same storage). */
export const clientOf = (device: LoadDevice, url: string): SyncApiClient =>
  new SyncApiClient(url, loadTransport, device);

/**
 * `count` devices in workspaces of `perWorkspace`: the first of each creates it, the rest join by
 * invite; workspaces are enrolled concurrently. Devices come back in workspace order.
 */
export async function enrolDevices(url: string, count: number, perWorkspace = 5): Promise<LoadDevice[]> {
  const sizes: number[] = [];
  for (let left = count; left > 0; left -= perWorkspace) sizes.push(Math.min(perWorkspace, left));
  return (await Promise.all(sizes.map((n, w) => enrolWorkspace(url, n, w * perWorkspace)))).flat();
}

function newDevice(url: string, index: number) {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  const reg = {
    deviceId,
    signPublicKey: toBase64Url(keys.signPublicKey),
    boxPublicKey: toBase64Url(keys.boxPublicKey),
  };
  const member = { ...reg, clockId: deviceId.slice(0, 12), name: `load ${index}` };
  const client = new SyncApiClient(url, loadTransport, { deviceId, signSecretKey: keys.signSecretKey });
  return { deviceId, signSecretKey: keys.signSecretKey, reg, member, client };
}

async function enrolWorkspace(url: string, n: number, first: number): Promise<LoadDevice[]> {
  const owner = newDevice(url, first);
  const workspaceId = randomId();
  const key = generateWorkspaceKey();
  const genesis = genesisEntry(workspaceId, owner.member, owner.signSecretKey, Date.now());
  await owner.client.createWorkspace(workspaceId, owner.reg, genesis);
  let state: MembershipState = verifyMembershipLog([genesis], {
    workspaceId,
    genesisHash: entryHash(genesis),
  });
  const devices: LoadDevice[] = [
    { deviceId: owner.deviceId, signSecretKey: owner.signSecretKey, workspaceId, workspaceKey: key },
  ];
  for (let c = 1; c < n; c++) {
    const joiner = newDevice(url, first + c);
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapped = wrapWorkspaceKey(
      key,
      deriveInviteWrapKey(secret, inviteId, workspaceId),
      inviteId,
      workspaceId,
    );
    const auth = deriveInviteAuthKey(secret, inviteId);
    const authPublicKey = toBase64Url(auth.publicKey);
    const invite = nextEntry(
      state,
      owner,
      { kind: 'invite', inviteId, authPublicKey, role: 'member' },
      Date.now(),
    );
    await owner.client.createInvite(workspaceId, {
      inviteId,
      wrappedKey: toBase64Url(wrapped),
      authPublicKey,
      expiresAt: Date.now() + 600_000,
      entry: invite,
    });
    state = appendEntry(state, invite);
    const proof = signInviteAcceptance(auth.secretKey, { inviteId, ...joiner.reg });
    const join = joinEntry(
      state,
      { device: joiner.member, signSecretKey: joiner.signSecretKey },
      { inviteId, proof },
      Date.now(),
    );
    await joiner.client.acceptInvite(inviteId, { device: joiner.reg, proof, entry: join });
    state = appendEntry(state, join);
    devices.push({
      deviceId: joiner.deviceId,
      signSecretKey: joiner.signSecretKey,
      workspaceId,
      workspaceKey: key,
    });
  }
  return devices;
}

/** Bytes of one op in an envelope (id, padding, newline). */
export const OP_BYTES = 300;

/** The name of `device`'s op number `i` in run `run`: unique across the whole load. */
export const opName = (deviceId: string, i: number, run = 0): string =>
  `${deviceId}:${run}.${String(i).padStart(7, '0')}`;

/** An envelope holding ops `first .. first + n - 1` of `deviceId` in run `run`, each `OP_BYTES` long. */
export function opsEnvelope(deviceId: string, first: number, n: number, run = 0): Uint8Array {
  let text = '';
  for (let i = first; i < first + n; i++) {
    const name = opName(deviceId, i, run);
    text += `${name}:${'x'.repeat(OP_BYTES - name.length - 2)}\n`;
  }
  return utf8(text);
}

/** The op names in an envelope made by `opsEnvelope`, in order. */
export function opsIn(envelope: string): string[] {
  const text = Buffer.from(fromBase64Url(envelope)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.slice(0, line.lastIndexOf(':')));
}

/** A prepared push: path, signed headers and body bytes, made before any clock starts. */
export interface PreparedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

/**
 * The push requests of `ops` ops by `device`, `opsPerDelta` to a delta and at most
 * `SYNC_LIMITS.maxDeltasPerPush` deltas to a push, signed now.
 */
export function preparePushes(
  device: LoadDevice,
  ops: number,
  opsPerDelta: number,
  run = 0,
): PreparedRequest[] {
  const out: PreparedRequest[] = [];
  const deltas: { deltaId: string; envelope: string }[] = [];
  const path = syncPath(syncRoutes.push, { workspaceId: device.workspaceId });
  const flush = () => {
    if (deltas.length === 0) return;
    const body = Buffer.from(utf8(JSON.stringify({ deltas: deltas.splice(0) })));
    const headers = signRequest({
      method: 'POST',
      path,
      body,
      deviceId: device.deviceId,
      signSecretKey: device.signSecretKey,
    });
    out.push({ method: 'POST', path, body, headers: { ...headers, 'content-type': 'application/json' } });
  };
  for (let first = 0; first < ops; first += opsPerDelta) {
    const n = Math.min(opsPerDelta, ops - first);
    deltas.push({ deltaId: randomId(), envelope: toBase64Url(opsEnvelope(device.deviceId, first, n, run)) });
    if (deltas.length === SYNC_LIMITS.maxDeltasPerPush) flush();
  }
  flush();
  return out;
}

/** Sends a prepared request; throws with the status on anything but 2xx. */
export async function sendPrepared(url: string, p: PreparedRequest): Promise<void> {
  const response = await fetch(url + p.path, { method: p.method, headers: p.headers, body: p.body });
  const text = await response.text();
  if (response.status < 200 || response.status >= 300)
    throw new Error(
      `load request ${p.method} ${p.path} failed with ${response.status}: ${text.slice(0, 200)}`,
    );
}

/** What one device's pull from a cursor to the log's top saw. */
export interface PullTrace {
  /** Every op, in the order the pages delivered them. */
  readonly ops: string[];
  /** The sequence number of every delta delivered, in order. */
  readonly seqs: number[];
  /** Pull requests made. */
  requests: number;
  /** Most deltas in one page. */
  largestPage: number;
  /** The cursor reached. */
  cursor: number;
}

/**
 * Pulls `device`'s workspace from `after` page by page, as the client's inbox does (following
 * `nextCursor` while `hasMore`), into `trace`; with `until`, keeps going (long-polling when caught
 * up) until the cursor reaches it.
 */
export async function pullInto(
  url: string,
  device: LoadDevice,
  trace: PullTrace,
  until?: number,
): Promise<PullTrace> {
  const client = clientOf(device, url);
  for (;;) {
    const page = await client.pull(device.workspaceId, trace.cursor, SYNC_LIMITS.maxPageSize);
    trace.requests += 1;
    trace.largestPage = Math.max(trace.largestPage, page.deltas.length);
    for (const d of page.deltas) {
      trace.seqs.push(d.seq);
      trace.ops.push(...opsIn(d.envelope));
    }
    if (page.nextCursor < trace.cursor) throw new Error('pull cursor moved backwards');
    trace.cursor = page.nextCursor;
    if (page.hasMore) continue;
    if (until === undefined || trace.cursor >= until) return trace;
    await client.wait(device.workspaceId, trace.cursor, 5_000);
  }
}

/** An empty trace from cursor `after`. */
export const newTrace = (after = 0): PullTrace => ({
  ops: [],
  seqs: [],
  requests: 0,
  largestPage: 0,
  cursor: after,
});
