import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from '../shared/errors';
import { SYNC_LIMITS, syncIdSchema } from '../shared/sync/protocol';
import { SERVER_TIME_HEADER, SIGNATURE_HEADERS } from '../shared/sync/signing';
import { enrolmentCheck } from './auth';
import { createSyncHandlers, type HandlerDeps } from './handlers';
import { createDeltaHandlers } from './deltas';
import { createSnapshotHandlers } from './snapshots';
import { silentServerLogger, type ServerLogger } from './log';
import { meterStorage, routeName, type SyncMetrics } from './metrics';
import { DeltaNotifier } from './notifier';
import { createRateLimiter, verifiedDeviceOf } from './ratelimit';
import { bindSyncRoutes, HttpError } from './routes';
import type { SyncStorage } from './storage/storage';
import { trustFunction, type TrustProxy } from './trust-proxy';

/** Tunable limits; defaults come from `SYNC_LIMITS` plus a rate limit per client. */
export interface ServerLimits {
  readonly maxBodyBytes: number;
  readonly maxEnvelopeBytes: number;
  readonly maxPageSize: number;
  readonly maxPageBytes: number;
  readonly maxWaitMs: number;
  readonly maxInviteTtlMs: number;
  /**
   * Requests per `rateWindowMs`: per client address (IPv6 by /64) for everything not yet
   * authenticated, and per registered device once its signature verified.
   */
  readonly rateMax: number;
  readonly rateWindowMs: number;
  /** Bound on the in-memory table of client addresses (new ones share one window past it). */
  readonly rateMaxAddresses: number;
  /** How often ended rate windows and expired nonces are dropped (a timer, never per request). */
  readonly purgeIntervalMs: number;
  /**
   * How often a long-poll re-reads storage. Pushes on this instance wake waiters at once, and so do
   * pushes on other instances when the storage can `watch` (PostgreSQL); this is the safety net.
   */
  readonly pollIntervalMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: SYNC_LIMITS.maxBodyBytes,
  maxEnvelopeBytes: SYNC_LIMITS.maxEnvelopeBytes,
  maxPageSize: SYNC_LIMITS.maxPageSize,
  maxPageBytes: SYNC_LIMITS.maxPageBytes,
  maxWaitMs: SYNC_LIMITS.maxWaitMs,
  maxInviteTtlMs: SYNC_LIMITS.maxInviteTtlMs,
  rateMax: 1200,
  rateWindowMs: 60_000,
  rateMaxAddresses: 100_000,
  purgeIntervalMs: 60_000,
  pollIntervalMs: 1_000,
};

export interface SyncServerOptions {
  readonly storage: SyncStorage;
  readonly logger?: ServerLogger;
  readonly limits?: Partial<ServerLimits>;
  /** Server clock (ms since epoch); injectable for tests of expiry and clock skew. */
  readonly clock?: () => number;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /**
   * Behind a load balancer: which peers' `X-Forwarded-For` is believed (a hop count or the proxies'
   * addresses, see trust-proxy.ts); the client address it yields is what rate limits count. Absent:
   * the socket address, and any forwarded header is ignored.
   */
  readonly trustProxy?: TrustProxy;
  /**
   * When set, creating a workspace needs this code in the `x-fv-enrolment` header (IT hands it to
   * the people allowed to start a team); without it anyone who reaches the server can. Joining with
   * an invite and everything after are unaffected.
   */
  readonly enrolmentToken?: string;
  /** Counts requests, latencies, pushed and pulled deltas into this registry (see metrics.ts). */
  readonly metrics?: SyncMetrics;
}

/** Header carrying the request id of every answer (and, behind a trusted proxy, taken from it). */
export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_SHAPE = /^[A-Za-z0-9._-]{8,64}$/;

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SYNC_UNAUTHORIZED: 401,
  ENROLMENT_REQUIRED: 401,
  CLOCK_SKEW: 401,
  DEVICE_REVOKED: 403,
  FORBIDDEN: 403,
  MEMBERSHIP_INVALID: 400,
  RATE_LIMITED: 429,
  EPOCH_RETIRED: 409,
  SNAPSHOT_REJECTED: 400,
  COMPACTION_REFUSED: 400,
  LOG_COMPACTED: 410,
  INTERNAL: 500,
};

function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && syncIdSchema.safeParse(value).success ? value : null;
}

function deviceFields(request: FastifyRequest): { deviceId: string | null; claimedDeviceId?: string } {
  const verified = verifiedDeviceOf(request);
  if (verified) return { deviceId: verified };
  const claimed = idOrNull(request.headers[SIGNATURE_HEADERS.device]);
  return claimed ? { deviceId: null, claimedDeviceId: claimed } : { deviceId: null };
}

/**
 * Builds the sync server (not yet listening). Stateless: everything lives in `storage`, so several
 * instances may serve one PostgreSQL database. Call `app.listen(...)`, and `app.close()` to stop
 * (the storage is closed by its owner).
 */
export async function createSyncServer(options: SyncServerOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics;
  const storage = metrics ? meterStorage(options.storage, metrics) : options.storage;
  const log = options.logger ?? silentServerLogger;
  const clock = options.clock ?? Date.now;
  const enrolment = options.enrolmentToken ? enrolmentCheck(options.enrolmentToken) : null;
  const notifier = new DeltaNotifier();
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  const trusts = options.trustProxy ? trustFunction(options.trustProxy) : null;
  const limiter = createRateLimiter({
    storage,
    clock,
    log,
    max: limits.rateMax,
    windowMs: limits.rateWindowMs,
    maxKeys: limits.rateMaxAddresses,
  });

  const app = Fastify({
    https: options.tls ? { cert: options.tls.cert, key: options.tls.key } : null,
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    // Long-polls must not hold a shutdown open: preClose wakes them and idle sockets are closed.
    forceCloseConnections: 'idle',
    // A client that trickles its request is cut off (long-polls wait at most 30 s, after the request).
    requestTimeout: 60_000,
    trustProxy: trusts ?? false,
    // Random, so ids from several instances never collide in one log store; a trusted balancer's id is kept.
    genReqId: (raw) => {
      const given = raw.headers[REQUEST_ID_HEADER];
      const peer = raw.socket.remoteAddress;
      const fromProxy = trusts !== null && peer !== undefined && trusts(peer, 0);
      if (fromProxy && typeof given === 'string' && REQUEST_ID_SHAPE.test(given)) return given;
      return randomBytes(8).toString('hex');
    },
    // Malformed URLs and the like never reach the error handler: answer them in the same shape.
    frameworkErrors: (_error, _request, reply) => {
      // The option's reply type is generic over every route's schema; this answer fits any route.
      void (reply as FastifyReply)
        .status(400)
        .send({ error: { code: 'VALIDATION', message: 'malformed request' } });
    },
  });

  // JSON only: every other body type gets 415 before any handler runs.
  app.removeAllContentTypeParsers();
  // Signatures cover the exact body bytes, so keep them beside the parsed JSON.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    try {
      done(null, raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown));
    } catch {
      done(new HttpError(400, 'VALIDATION', 'body is not valid JSON'), undefined);
    }
  });

  let closing = false;
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(SERVER_TIME_HEADER, String(clock()));
    void reply.header(REQUEST_ID_HEADER, request.id);
    if (metrics) {
      // 'close' fires once however the response ends (sent, or the client hung up mid-wait).
      reply.raw.once('close', metrics.requestStarted(routeName(request.method, request.routeOptions.url)));
    }
    done();
  });

  // Before body parsing and authentication: unauthenticated traffic is counted by address, in memory.
  app.addHook('onRequest', (request, reply) => limiter.onRequest(request, reply));

  // While stopping, answered connections are closed rather than kept alive, so the drain ends.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics?.observeRequest(
      routeName(request.method, request.routeOptions.url),
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    log.log('info', 'request', {
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      // The device only once its signature verified; otherwise what the header claims, if id-shaped,
      // under another name, so a forged request is never attributed to a real device.
      ...deviceFields(request),
    });
    done();
  });

  const unwatch = storage.watch
    ? await storage.watch((workspaceId) => notifier.notify(workspaceId))
    : undefined;

  // Ended rate windows (memory and storage) and expired nonces go on a timer, not on the request path.
  const purge = setInterval(() => {
    const now = clock();
    limiter.purge(now);
    storage.purgeNonces(now).catch((error: unknown) => {
      log.log('warn', 'purge_failed', { code: errorCodeOf(error) });
    });
  }, limits.purgeIntervalMs);
  purge.unref();

  app.addHook('preClose', (done) => {
    closing = true;
    clearInterval(purge);
    notifier.close();
    done();
  });
  app.addHook('onClose', async () => {
    await unwatch?.();
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    let status = 500;
    let code: ErrorCode = 'INTERNAL';
    let message = 'internal server error';
    // A library or database error code (e.g. SQLITE_FULL, 57P01) is safe to log; its message is not.
    let cause: string | null = null;
    if (error instanceof HttpError) {
      status = error.status;
      code = error.code;
      message = error.message;
    } else if (error instanceof AppError) {
      status = STATUS[error.code] ?? 400;
      code = error.code;
      message = error.message;
    } else if (typeof error === 'object' && error !== null && 'code' in error) {
      const fst = error.code;
      if (fst === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        status = 413;
        code = 'VALIDATION';
        message = 'request body too large';
      } else if (fst === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        status = 415;
        code = 'VALIDATION';
        message = 'content type must be application/json';
      } else if (typeof fst === 'string' && fst.startsWith('FST_ERR_CTP')) {
        status = 400;
        code = 'VALIDATION';
        message = 'malformed request body';
      } else if (
        'statusCode' in error &&
        typeof error.statusCode === 'number' &&
        error.statusCode >= 400 &&
        error.statusCode < 500
      ) {
        status = error.statusCode;
        code = 'VALIDATION';
        message = 'bad request';
      } else if (typeof fst === 'string' && /^[A-Z0-9_]{1,40}$/.test(fst)) {
        cause = fst;
      }
    }
    if (status >= 500) log.log('error', 'request_failed', { reqId: request.id, code, status, cause });
    void reply.status(status).send({ error: { code, message } });
  });

  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  const deps: HandlerDeps = {
    storage,
    limits,
    clock,
    log,
    notifier,
    enrolment,
    rawBody: (request) => rawBodies.get(request),
  };
  bindSyncRoutes(
    app,
    { ...createSyncHandlers(deps), ...createDeltaHandlers(deps), ...createSnapshotHandlers(deps) },
    // Load balancers probe it often; it must answer even while a client is throttled.
    ['health'],
  );

  // With `https: null` Fastify serves plain HTTP; both flavours expose the same API to callers.
  return app;
}

function errorCodeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
}
