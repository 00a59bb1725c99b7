import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors';
import type { ServerLogger } from './log';
import type { SyncStorage } from './storage/storage';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: the route skips the rate limit (load balancers' health checks). */
    rateLimit?: false;
  }
}

/** One fixed window: its start and the requests counted in it. */
interface Window {
  start: number;
  count: number;
}

/** The key every new client shares once the table is full, so memory stays bounded under a flood. */
export const OVERFLOW_KEY = '(overflow)';

/**
 * Fixed-window counters in this process's memory, for traffic nobody has authenticated yet: a flood
 * of unsigned or badly signed requests costs a map entry per client address, never a storage row.
 * At most `maxKeys` entries; past that, new addresses share one window (and are refused together)
 * until the purge timer drops ended windows.
 */
export class MemoryRateWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /**
   * Counts one request for `key`; returns the key it was counted under (`OVERFLOW_KEY` when the
   * table is full), the count in its current window and when that ends.
   */
  hit(key: string, now: number): { key: string; count: number; resetAt: number } {
    const k = this.windows.has(key) || this.windows.size < this.maxKeys ? key : OVERFLOW_KEY;
    let w = this.windows.get(k);
    if (!w || w.start + this.windowMs <= now) {
      w = { start: now, count: 0 };
      this.windows.set(k, w);
    }
    w.count += 1;
    return { key: k, count: w.count, resetAt: w.start + this.windowMs };
  }

  /** Takes back one request of `key` (it turned out to come from a verified device). */
  refund(key: string): void {
    const w = this.windows.get(key);
    if (w && w.count > 0) w.count -= 1;
  }

  /** Drops every window that has ended; returns how many. Called on a timer, never per request. */
  purge(now: number): number {
    let dropped = 0;
    for (const [key, w] of this.windows) {
      if (w.start + this.windowMs <= now) {
        this.windows.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.windows.size;
  }
}

/** Expands an IPv6 address to its eight 16-bit groups (null when it is not IPv6). */
function ipv6Groups(address: string): string[] | null {
  if (isIP(address) !== 6 || address.includes('.')) return null;
  const [head, tail] = address.split('::');
  const a = head ? head.split(':') : [];
  const b = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = address.includes('::') ? Array.from({ length: 8 - a.length - b.length }, () => '0') : [];
  return [...a, ...fill, ...b];
}

/**
 * The rate-limit key of a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * since one host usually holds a whole /64 and could otherwise rotate through it.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** What the limiter needs from the server. */
export interface RateLimitDeps {
  readonly storage: SyncStorage;
  readonly clock: () => number;
  readonly log: ServerLogger;
  /** Requests per window per client address (before authentication) and per verified device. */
  readonly max: number;
  readonly windowMs: number;
  /** Bound on the in-memory address table. */
  readonly maxKeys: number;
}

/** Per request: what to do once a registered device's signature verified (set by the limiter). */
const verifiedHooks = new WeakMap<FastifyRequest, (deviceId: string) => Promise<void>>();
const verifiedDevices = new WeakMap<FastifyRequest, string>();

/**
 * Called by authentication once a registered device's signature verified, before its nonce is
 * stored: moves the request from the address's count to the device's. Throws `RATE_LIMITED` when the
 * device is over its limit. A request the limiter never saw (a unit test calling auth directly)
 * passes.
 */
export async function chargeVerifiedDevice(request: FastifyRequest, deviceId: string): Promise<void> {
  verifiedDevices.set(request, deviceId);
  await verifiedHooks.get(request)?.(deviceId);
}

/** The device whose signature this request carried, once verified (for the request log line). */
export function verifiedDeviceOf(request: FastifyRequest): string | null {
  return verifiedDevices.get(request) ?? null;
}

/**
 * Two stages. Before anything else runs, every request counts against its client address in memory
 * (`request.ip`, which honours only the configured trusted proxies): this is all an unauthenticated
 * client ever touches. Once a registered device's signature verified, the request is taken back from
 * the address and counted against the device in the shared storage, so the per-device limit holds
 * across instances and its rows are bounded by the number of registered devices. The unverified
 * `x-fv-device` header never names a bucket.
 */
export function createRateLimiter(deps: RateLimitDeps) {
  const addresses = new MemoryRateWindows(deps.windowMs, deps.maxKeys);

  function refuse(reply: FastifyReply, resetAt: number, now: number): FastifyReply {
    return reply
      .status(429)
      .header('retry-after', String(Math.max(1, Math.ceil((resetAt - now) / 1000))))
      .send({ error: { code: 'RATE_LIMITED', message: 'too many requests' } });
  }

  return {
    /** The `onRequest` hook: counts the address; answers 429 when it is over the limit. */
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      if (request.routeOptions.config.rateLimit === false) return undefined;
      const now = deps.clock();
      const r = addresses.hit(clientKey(request.ip), now);
      if (r.count > deps.max) return refuse(reply, r.resetAt, now);
      verifiedHooks.set(request, async (deviceId) => {
        addresses.refund(r.key);
        let count: { count: number; resetAt: number };
        try {
          count = await deps.storage.hit(`device:${deviceId}`, deps.windowMs, deps.clock());
        } catch (error) {
          // A storage hiccup must not turn into refusals; the request's own storage calls will fail anyway.
          deps.log.log('warn', 'rate_store_failed', { code: errorCode(error) });
          return;
        }
        if (count.count > deps.max) throw new AppError('RATE_LIMITED', 'too many requests');
      });
      return undefined;
    },
    /** Drops ended address windows; the server calls it on a timer. */
    purge(now: number): number {
      return addresses.purge(now);
    },
    /** Address windows held in memory (for tests and metrics). */
    get size(): number {
      return addresses.size;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
}
