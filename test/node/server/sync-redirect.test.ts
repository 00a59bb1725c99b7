import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchTransport } from '../../../electron/services/sync/sync.http';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { SIGNATURE_HEADERS } from '../../../shared/sync/signing';
import { SyncApiClient } from '../../../shared/sync/sync.client';

/** What the redirect target saw: one entry per request that reached it. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function start(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A listener that records every request (the attacker's host a redirect points at). */
async function recorder(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const url = await start((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  return { url, seen };
}

/** The "sync server": answers every request with `status` and a Location on `target`. */
function redirecting(status: number, target: string): Promise<string> {
  return start((req, res) => {
    req.resume();
    res.writeHead(status, { location: `${target}${req.url ?? '/'}` }).end();
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
}

function client(url: string): SyncApiClient {
  const keys = generateDeviceKeys();
  return new SyncApiClient(url, fetchTransport({}), {
    deviceId: randomId(),
    signSecretKey: keys.signSecretKey,
  });
}

describe('the sync client refuses redirects', () => {
  it('control: a fetch that follows redirects does reach the second listener', async () => {
    const target = await recorder();
    const origin = await redirecting(307, target.url);
    const r = await fetch(`${origin}/v1/health`);
    expect(r.status).toBe(200);
    expect(target.seen.length).toBe(1);
  });

  it.each([301, 302, 303, 307, 308])(
    'HTTP %i to a second listener is SYNC_REDIRECTED and nothing reaches the target',
    async (status) => {
      const target = await recorder();
      const origin = await redirecting(status, target.url);
      const c = client(origin);
      const codes = [
        await codeOf(c.health()),
        await codeOf(c.me(randomId())),
        await codeOf(c.pull(randomId(), 0)),
        await codeOf(c.push(randomId(), [])),
        await codeOf(c.wait(randomId(), 0, 1_000)),
      ];
      expect(codes).toEqual(Array.from({ length: 5 }, () => 'SYNC_REDIRECTED'));
      // No signed header and no body ever went to the redirect target.
      expect(target.seen).toEqual([]);
    },
  );

  it('a redirect is not retried as offline: the message names the status, never the target', async () => {
    const target = await recorder();
    const origin = await redirecting(307, target.url);
    try {
      await client(origin).me(randomId());
      expect.unreachable('a redirect must fail');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const e = error as AppError;
      expect(e.code).toBe('SYNC_REDIRECTED');
      expect(e.message).toContain('307');
      expect(e.message).not.toContain(target.url);
    }
    expect(target.seen.some((s) => SIGNATURE_HEADERS.signature in s.headers)).toBe(false);
  });
});
