import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../server/app';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
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
  const app: FastifyInstance = await createSyncServer({ storage, limits: { rateMax, rateWindowMs: 60_000 } });
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
  return { app, path, signed, calls, deviceId };
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
});
