import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../server/app';
import { readSignedHeaders, verifyUnregisteredRequest } from '../../../server/auth';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { SIGNATURE_HEADERS, signRequest } from '../../../shared/sync/signing';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

/**
 * A server whose storage knows one registered device (answered by `getDevice`, so the test does not
 * depend on how workspaces are created), with every storage call recorded.
 */
async function serverWithDevice(rateMax: number) {
  const keys = generateDeviceKeys();
  const deviceId = randomId();
  const workspaceId = randomId();
  const record = {
    deviceId,
    workspaceId,
    signPublicKey: keys.signPublicKey,
    boxPublicKey: keys.boxPublicKey,
    status: 'active',
    createdAt: 0,
    revokedAt: null,
    invitedBy: null,
    role: 'owner',
  } as const;
  const calls: string[] = [];
  const storage = new Proxy(SqliteSyncStorage.open(':memory:'), {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        if (key === 'getDevice') return Promise.resolve(args[0] === deviceId ? record : null);
        return Reflect.apply(value, target, args) as unknown;
      };
    },
  });
  opened.push(storage);
  const lines: Record<string, unknown>[] = [];
  const logger = { log: (_level: string, event: string, fields = {}) => lines.push({ event, ...fields }) };
  const app: FastifyInstance = await createSyncServer({
    storage,
    logger,
    limits: { rateMax, rateWindowMs: 60_000 },
  });
  opened.push(app);
  const path = syncPath(syncRoutes.me, { workspaceId });
  const signed = (nonce?: string) =>
    signRequest({
      method: 'GET',
      path,
      deviceId,
      signSecretKey: keys.signSecretKey,
      ...(nonce ? { nonce } : {}),
    });
  return { app, path, signed, calls, deviceId, lines };
}

describe('signed requests on the server (native Ed25519, per-device limit after verification)', () => {
  it('accepts a registered device, refuses a bad signature before any nonce, and a replay after it', async () => {
    const { app, path, signed, calls } = await serverWithDevice(100);
    const ok = await app.inject({ method: 'GET', url: path, headers: signed() });
    expect(ok.statusCode).not.toBe(401);
    expect(calls).toContain('consumeNonce');
    expect(calls).toContain('hit');

    calls.length = 0;
    const headers = { ...signed(), [SIGNATURE_HEADERS.signature]: signed()[SIGNATURE_HEADERS.signature]! };
    const bad = await app.inject({ method: 'GET', url: path, headers });
    expect([bad.statusCode, bad.json<{ error: { code: string } }>().error.code]).toEqual([
      401,
      'SYNC_UNAUTHORIZED',
    ]);
    expect(calls.filter((c) => c === 'consumeNonce' || c === 'hit')).toEqual([]);

    const once = signed('n'.repeat(22));
    expect((await app.inject({ method: 'GET', url: path, headers: once })).statusCode).not.toBe(401);
    const replay = await app.inject({ method: 'GET', url: path, headers: once });
    expect(replay.statusCode).toBe(401);
  });

  it('logs a request under a device only once its signature verified', async () => {
    const { app, path, signed, deviceId, lines } = await serverWithDevice(100);
    await app.inject({ method: 'GET', url: path, headers: signed() });
    const forged = { ...signed(), [SIGNATURE_HEADERS.signature]: signed()[SIGNATURE_HEADERS.signature]! };
    await app.inject({ method: 'GET', url: path, headers: forged });
    const requests = () => lines.filter((l) => l.event === 'request');
    for (let i = 0; i < 200 && requests().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const [good, bad] = requests();
    expect(good).toMatchObject({ deviceId });
    expect(good).not.toHaveProperty('claimedDeviceId');
    expect(bad).toMatchObject({ status: 401, deviceId: null, claimedDeviceId: deviceId });
  });

  it('counts a verified device by its id, whatever address it uses, and gives the address its budget back', async () => {
    const { app, path, signed } = await serverWithDevice(3);
    const statuses: number[] = [];
    for (const remoteAddress of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.1']) {
      statuses.push(
        (await app.inject({ method: 'GET', url: path, headers: signed(), remoteAddress })).statusCode,
      );
    }
    expect(statuses.slice(0, 3).every((s) => s !== 401 && s !== 429)).toBe(true);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // 192.0.2.1 sent two verified requests: neither counted against the address.
    const anonymous = [];
    for (let i = 0; i < 3; i++) {
      anonymous.push((await app.inject({ method: 'GET', url: path, remoteAddress: '192.0.2.1' })).statusCode);
    }
    expect(anonymous).toEqual([401, 401, 401]);
  });

  it('a self-signed request of an unregistered key stores its nonce only when the caller says it is proven', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    opened.push(storage);
    const nonces: string[] = [];
    const consume = storage.consumeNonce.bind(storage);
    storage.consumeNonce = (deviceId, nonce, expiresAt) => {
      nonces.push(nonce);
      return consume(deviceId, nonce, expiresAt);
    };
    const keys = generateDeviceKeys();
    const app = Fastify();
    opened.push(app);
    app.setErrorHandler((error, _request, reply) => {
      void reply
        .status(error instanceof AppError ? 401 : 500)
        .send({ code: error instanceof AppError ? error.code : 'other' });
    });
    app.get('/self/:proven', async (request) => {
      const pending = verifyUnregisteredRequest({
        request,
        rawBody: undefined,
        headers: readSignedHeaders(request),
        signPublicKey: keys.signPublicKey,
        storage,
        now: Date.now(),
      });
      if ((request.params as { proven: string }).proven === 'yes') await pending.consumeNonce();
      return { ok: true };
    });
    const deviceId = randomId();
    const sign = (p: string) =>
      signRequest({ method: 'GET', path: p, deviceId, signSecretKey: keys.signSecretKey });
    expect((await app.inject({ method: 'GET', url: '/self/no', headers: sign('/self/no') })).statusCode).toBe(
      200,
    );
    expect(nonces).toEqual([]);
    const proven = sign('/self/yes');
    expect((await app.inject({ method: 'GET', url: '/self/yes', headers: proven })).statusCode).toBe(200);
    expect(nonces.length).toBe(1);
    // The nonce makes the accepted request single-use.
    expect((await app.inject({ method: 'GET', url: '/self/yes', headers: proven })).statusCode).toBe(401);
    // A bad signature is refused before anything.
    const forged = {
      ...sign('/self/yes'),
      [SIGNATURE_HEADERS.signature]: sign('/self/no')[SIGNATURE_HEADERS.signature]!,
    };
    expect((await app.inject({ method: 'GET', url: '/self/yes', headers: forged })).statusCode).toBe(401);
    expect(nonces.length).toBe(2);
  });
});
