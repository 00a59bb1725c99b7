import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncServer, type ServerLimits } from '../../../server/app';
import { clientKey, MemoryRateWindows, OVERFLOW_KEY } from '../../../server/ratelimit';
import type { SyncStorage } from '../../../server/storage/storage';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { parseTrustProxy, trustFunction, type TrustProxy } from '../../../server/trust-proxy';
import { randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { SIGNATURE_HEADERS } from '../../../shared/sync/signing';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

async function server(
  limits: Partial<ServerLimits>,
  trustProxy?: TrustProxy,
  storage: SyncStorage = SqliteSyncStorage.open(':memory:'),
): Promise<FastifyInstance> {
  opened.push(storage);
  const app = await createSyncServer({ storage, limits, ...(trustProxy ? { trustProxy } : {}) });
  opened.push(app);
  return app;
}

/** Headers shaped like a signed request from a device that does not exist (the signature is noise). */
function forgedHeaders(): Record<string, string> {
  return {
    [SIGNATURE_HEADERS.device]: randomId(),
    [SIGNATURE_HEADERS.timestamp]: String(Date.now()),
    [SIGNATURE_HEADERS.nonce]: randomId(),
    [SIGNATURE_HEADERS.signature]: 'A'.repeat(86),
  };
}

const mePath = () => syncPath(syncRoutes.me, { workspaceId: randomId() });

describe('rate limits before authentication', () => {
  it('key on the client address only: rotating x-fv-device headers do not get fresh buckets', async () => {
    const app = await server({ rateMax: 5, rateWindowMs: 60_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (await app.inject({ method: 'GET', url: mePath(), headers: forgedHeaders() })).statusCode,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array.from({ length: 7 }, () => 429));
    // Another address is not affected.
    const other = await app.inject({
      method: 'GET',
      url: mePath(),
      headers: forgedHeaders(),
      remoteAddress: '192.0.2.9',
    });
    expect(other.statusCode).toBe(401);
    // Health checks of a load balancer are never limited.
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('a 429 carries Retry-After and the typed code', async () => {
    const app = await server({ rateMax: 1, rateWindowMs: 60_000 });
    await app.inject({ method: 'GET', url: mePath() });
    const r = await app.inject({ method: 'GET', url: mePath() });
    expect(r.statusCode).toBe(429);
    expect(r.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'too many requests' } });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a spoofed X-Forwarded-For from a direct client is ignored when the proxies are listed', async () => {
    const app = await server({ rateMax: 3, rateWindowMs: 60_000 }, parseTrustProxy('10.0.0.0/8,fd00::/8'));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await app.inject({
        method: 'GET',
        url: mePath(),
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
        remoteAddress: '203.0.113.5',
      });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('behind a listed proxy, each forwarded client has its own bucket', async () => {
    const app = await server({ rateMax: 2, rateWindowMs: 60_000 }, parseTrustProxy('10.0.0.0/8'));
    const via = (client: string) =>
      app.inject({
        method: 'GET',
        url: mePath(),
        headers: { 'x-forwarded-for': client },
        remoteAddress: '10.1.2.3',
      });
    const a = [await via('198.51.100.1'), await via('198.51.100.1'), await via('198.51.100.1')];
    expect(a.map((r) => r.statusCode)).toEqual([401, 401, 429]);
    expect((await via('198.51.100.2')).statusCode).toBe(401);
    // A client-supplied entry before the proxy's own does not help: the proxy appends the real peer.
    expect((await via('203.0.113.77, 198.51.100.1')).statusCode).toBe(429);
  });

  it('with a hop count, the hop before the last N is the client', async () => {
    const app = await server({ rateMax: 1, rateWindowMs: 60_000 }, parseTrustProxy('1'));
    const via = (xff: string) =>
      app.inject({ method: 'GET', url: mePath(), headers: { 'x-forwarded-for': xff } });
    expect((await via('198.51.100.1')).statusCode).toBe(401);
    expect((await via('198.51.100.1')).statusCode).toBe(429);
    expect((await via('198.51.100.2')).statusCode).toBe(401);
  });

  it('IPv6 clients count by their /64', async () => {
    const app = await server({ rateMax: 2, rateWindowMs: 60_000 });
    const from = (remoteAddress: string) => app.inject({ method: 'GET', url: mePath(), remoteAddress });
    expect((await from('2001:db8:1:2::1')).statusCode).toBe(401);
    expect((await from('2001:db8:1:2:ffff::9')).statusCode).toBe(401);
    expect((await from('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).statusCode).toBe(429);
    expect((await from('2001:db8:1:3::1')).statusCode).toBe(401);
  });

  it('unauthenticated requests write no rate-limit or nonce rows', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    const calls: string[] = [];
    const spy = new Proxy(storage, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return Reflect.apply(value, target, args) as unknown;
        };
      },
    });
    const app = await server({ rateMax: 50, rateWindowMs: 60_000 }, undefined, spy);
    for (let i = 0; i < 80; i++) {
      const url =
        i % 2 === 0 ? mePath() : syncPath(syncRoutes.pull, { workspaceId: randomId() }, { after: 0 });
      await app.inject({ method: 'GET', url, headers: forgedHeaders() });
    }
    expect(calls.filter((c) => c === 'hit' || c === 'consumeNonce')).toEqual([]);
  });
});

describe('purging on a timer', () => {
  it('expired nonces and rate windows are purged with no request arriving', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    let purges = 0;
    const purgeNonces = storage.purgeNonces.bind(storage);
    storage.purgeNonces = (now: number) => {
      purges += 1;
      return purgeNonces(now);
    };
    await server({ purgeIntervalMs: 20 }, undefined, storage);
    const deadline = Date.now() + 20_000;
    while (purges < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(purges).toBeGreaterThanOrEqual(2);
  });

  it('the address table drops ended windows and stays bounded under a flood of addresses', () => {
    const windows = new MemoryRateWindows(1_000, 3);
    expect(windows.hit('a', 0)).toMatchObject({ key: 'a', count: 1 });
    windows.hit('b', 0);
    windows.hit('c', 0);
    // Full: new addresses share the overflow window (and are limited together).
    expect(windows.hit('d', 10).key).toBe(OVERFLOW_KEY);
    expect(windows.hit('e', 10)).toMatchObject({ key: OVERFLOW_KEY, count: 2 });
    expect(windows.size).toBe(4);
    windows.refund('a');
    expect(windows.hit('a', 20).count).toBe(1);
    expect(windows.purge(999)).toBe(0);
    expect(windows.purge(1_010)).toBe(4);
    expect(windows.size).toBe(0);
    expect(windows.hit('d', 1_020)).toMatchObject({ key: 'd', count: 1 });
  });
});

describe('--trust-proxy values', () => {
  it('takes a hop count or addresses/CIDRs, never "trust all"', () => {
    expect(parseTrustProxy('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy('10.0.0.0/8, 192.0.2.7,fd00::/8')).toEqual({
      kind: 'addresses',
      addresses: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'],
    });
    for (const bad of [
      'true',
      'all',
      '*',
      '',
      '0',
      '17',
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/33',
      'proxy.local',
      '1.2.3.4/8/1',
    ]) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/trust-proxy/);
    }
  });

  it('trusts listed peers only, IPv4-mapped addresses included', () => {
    const trusts = trustFunction(parseTrustProxy('10.0.0.0/8,2001:db8::1'));
    expect(trusts('10.9.8.7', 0)).toBe(true);
    expect(trusts('::ffff:10.9.8.7', 0)).toBe(true);
    expect(trusts('2001:db8::1', 0)).toBe(true);
    expect(trusts('11.0.0.1', 0)).toBe(false);
    expect(trusts('127.0.0.1', 0)).toBe(false);
    const hops = trustFunction(parseTrustProxy('2'));
    expect([hops('1.1.1.1', 0), hops('1.1.1.1', 1), hops('1.1.1.1', 2)]).toEqual([true, true, false]);
  });

  it('client keys: IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:aaaa::')).toBe('2001:db8:0:1::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });
});
