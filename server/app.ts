import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, isErrorCode, type ErrorCode } from '../shared/errors';
import { verifyInviteAcceptance } from '../shared/sync/invite';
import {
  acceptInviteRequestSchema,
  createInviteRequestSchema,
  createWorkspaceRequestSchema,
  ENROLMENT_HEADER,
  pullQuerySchema,
  pushRequestSchema,
  SYNC_LIMITS,
  syncIdSchema,
  waitQuerySchema,
  type DeviceInfo,
  type DeviceRegistration,
} from '../shared/sync/protocol';
import { SERVER_TIME_HEADER, SIGNATURE_HEADERS } from '../shared/sync/signing';
import {
  authenticateDevice,
  decodePublicKey,
  enrolmentCheck,
  readSignedHeaders,
  verifySignedRequest,
} from './auth';
import { silentServerLogger, type ServerLogger } from './log';
import { DeltaNotifier } from './notifier';
import type { DeviceRecord, SyncStorage } from './storage/storage';

/** Tunable limits; defaults come from `SYNC_LIMITS` plus a rate limit per client. */
export interface ServerLimits {
  readonly maxBodyBytes: number;
  readonly maxEnvelopeBytes: number;
  readonly maxPageSize: number;
  readonly maxPageBytes: number;
  readonly maxWaitMs: number;
  readonly maxInviteTtlMs: number;
  /** Requests per `rateWindowMs` per client (device id, else IP address). */
  readonly rateMax: number;
  readonly rateWindowMs: number;
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
  /** Behind a load balancer: take the client address from X-Forwarded-For (rate limits key on it). */
  readonly trustProxy?: boolean;
  /**
   * When set, creating a workspace needs this code in the `x-fv-enrolment` header (IT hands it to
   * the people allowed to start a team); without it anyone who reaches the server can. Joining with
   * an invite and everything after are unaffected.
   */
  readonly enrolmentToken?: string;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SYNC_UNAUTHORIZED: 401,
  ENROLMENT_REQUIRED: 401,
  CLOCK_SKEW: 401,
  DEVICE_REVOKED: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** An AppError with an explicit HTTP status (e.g. 413 for a body over the limit). */
class HttpError extends AppError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

// Node's codec is native and far faster than the portable one in shared/ (a pull page can hold 4 MiB).
// Input is already restricted to the base64url alphabet by the protocol schemas, and every envelope
// is authenticated by the clients, so the server need not reject non-canonical padding bits.
const toBase64Url = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
const fromBase64Url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  // Only the paths of failing fields: the values could be anything a client sent.
  if (!r.success) {
    const where = r.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new AppError('VALIDATION', `invalid request: ${where}`);
  }
  return r.data;
}

function deviceInfo(d: DeviceRecord): DeviceInfo {
  return {
    deviceId: d.deviceId,
    workspaceId: d.workspaceId,
    signPublicKey: toBase64Url(d.signPublicKey),
    boxPublicKey: toBase64Url(d.boxPublicKey),
    status: d.status,
    createdAt: d.createdAt,
    revokedAt: d.revokedAt,
    invitedBy: d.invitedBy,
  };
}

function newDevice(reg: DeviceRegistration, workspaceId: string, now: number): DeviceRecord {
  return {
    deviceId: reg.deviceId,
    workspaceId,
    signPublicKey: decodePublicKey(reg.signPublicKey),
    boxPublicKey: decodePublicKey(reg.boxPublicKey),
    status: 'active',
    createdAt: now,
    revokedAt: null,
    invitedBy: null,
  };
}

function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && syncIdSchema.safeParse(value).success ? value : null;
}

const workspaceParams = z.object({ workspaceId: syncIdSchema });

/**
 * Builds the sync server (not yet listening). Stateless: everything lives in `storage`, so several
 * instances may serve one PostgreSQL database. Call `app.listen(...)`, and `app.close()` to stop
 * (the storage is closed by its owner).
 */
export async function createSyncServer(options: SyncServerOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const storage = options.storage;
  const log = options.logger ?? silentServerLogger;
  const clock = options.clock ?? Date.now;
  const enrolment = options.enrolmentToken ? enrolmentCheck(options.enrolmentToken) : null;
  const notifier = new DeltaNotifier();
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  let lastPurge = 0;

  const app = Fastify({
    https: options.tls ? { cert: options.tls.cert, key: options.tls.key } : null,
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    // Long-polls must not hold a shutdown open: preClose wakes them and idle sockets are closed.
    forceCloseConnections: 'idle',
    // A client that trickles its request is cut off (long-polls wait at most 30 s, after the request).
    requestTimeout: 60_000,
    trustProxy: options.trustProxy ?? false,
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

  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header(SERVER_TIME_HEADER, String(clock()));
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    log.log('info', 'request', {
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      // Only something shaped like an id: the header is unverified input.
      deviceId: idOrNull(request.headers[SIGNATURE_HEADERS.device]),
    });
    done();
  });

  const unwatch = storage.watch
    ? await storage.watch((workspaceId) => notifier.notify(workspaceId))
    : undefined;

  app.addHook('preClose', (done) => {
    notifier.close();
    done();
  });
  app.addHook('onClose', async () => {
    await unwatch?.();
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
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
      } else if (isErrorCode(fst) && fst === 'RATE_LIMITED') {
        status = 429;
        code = 'RATE_LIMITED';
        message = 'too many requests';
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
    if (status >= 500) log.log('error', 'request_failed', { code, status, cause });
    void reply.status(status).send({ error: { code, message } });
  });

  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  /** Rate-limit counters live in storage, like everything else: the limit holds across instances. */
  class StorageRateStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const now = clock();
      storage.hit(key, timeWindow, now).then(
        (r) => callback(null, { current: r.count, ttl: Math.max(0, r.resetAt - now) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error('rate store failure')),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  }

  await app.register(rateLimit, {
    global: true,
    store: StorageRateStore,
    // A storage hiccup must not turn into refusals; such a request fails at authentication anyway.
    skipOnError: true,
    max: limits.rateMax,
    timeWindow: limits.rateWindowMs,
    // Per device when the request names one (unverified at this point, so combined with the address).
    keyGenerator: (request) => {
      const device = request.headers[SIGNATURE_HEADERS.device];
      return typeof device === 'string' ? `${request.ip}|${device.slice(0, 64)}` : request.ip;
    },
    errorResponseBuilder: () => new HttpError(429, 'RATE_LIMITED', 'too many requests'),
  });

  const raw = (request: FastifyRequest) => rawBodies.get(request);

  async function maybePurgeNonces(now: number): Promise<void> {
    if (now - lastPurge < 60_000) return;
    lastPurge = now;
    await storage.purgeNonces(now);
  }

  async function auth(request: FastifyRequest, workspaceId: string): Promise<DeviceRecord> {
    const now = clock();
    const device = await authenticateDevice({ request, rawBody: raw(request), storage, workspaceId, now });
    await maybePurgeNonces(now);
    return device;
  }

  /** For requests by a device that is not registered yet: the key comes from the body (proof of possession). */
  async function authSelf(request: FastifyRequest, reg: DeviceRegistration): Promise<void> {
    const headers = readSignedHeaders(request);
    if (headers.deviceId !== reg.deviceId) throw new AppError('SYNC_UNAUTHORIZED', 'device id mismatch');
    await verifySignedRequest({
      request,
      rawBody: raw(request),
      headers,
      signPublicKey: decodePublicKey(reg.signPublicKey),
      storage,
      now: clock(),
    });
  }

  // For load balancers: 200 only when the storage answers.
  app.get('/health', { config: { rateLimit: false } }, async (_request, reply) => {
    try {
      await storage.latestSeq('health-probe-0000');
    } catch {
      log.log('error', 'health_storage_unreachable', { storage: storage.kind });
      return reply.status(503).send({ error: { code: 'INTERNAL', message: 'storage unavailable' } });
    }
    return { status: 'ok' as const, storage: storage.kind, time: clock() };
  });

  app.post('/v1/workspaces', async (request, reply) => {
    const body = parse(createWorkspaceRequestSchema, request.body);
    if (enrolment && !enrolment(request.headers[ENROLMENT_HEADER])) {
      log.log('warn', 'workspace_enrolment_refused', { workspaceId: body.workspaceId });
      throw new AppError('ENROLMENT_REQUIRED', 'creating a workspace needs the enrolment code');
    }
    await authSelf(request, body.device);
    const device = newDevice(body.device, body.workspaceId, clock());
    const outcome = await storage.createWorkspace(body.workspaceId, device);
    if (outcome === 'exists') throw new AppError('CONFLICT', 'workspace id already exists');
    if (outcome === 'device_exists') throw new AppError('CONFLICT', 'device id already registered');
    log.log('info', 'workspace_created', { workspaceId: body.workspaceId, deviceId: device.deviceId });
    return reply.status(201).send({ workspaceId: body.workspaceId, device: deviceInfo(device) });
  });

  app.post('/v1/workspaces/:workspaceId/invites', async (request, reply) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    const device = await auth(request, workspaceId);
    const body = parse(createInviteRequestSchema, request.body);
    const now = clock();
    if (body.expiresAt <= now || body.expiresAt - now > limits.maxInviteTtlMs) {
      throw new AppError('VALIDATION', 'invite expiry out of range');
    }
    const wrappedKey = fromBase64Url(body.wrappedKey);
    const outcome = await storage.createInvite({
      inviteId: body.inviteId,
      workspaceId,
      createdBy: device.deviceId,
      wrappedKey,
      authPublicKey: decodePublicKey(body.authPublicKey),
      createdAt: now,
      expiresAt: body.expiresAt,
      usedAt: null,
      usedBy: null,
    });
    if (outcome === 'exists') throw new AppError('CONFLICT', 'invite id already exists');
    log.log('info', 'invite_created', { workspaceId, deviceId: device.deviceId, inviteId: body.inviteId });
    return reply.status(201).send({ inviteId: body.inviteId, workspaceId, expiresAt: body.expiresAt });
  });

  app.post('/v1/invites/:inviteId/accept', async (request) => {
    const { inviteId } = parse(z.object({ inviteId: syncIdSchema }), request.params);
    const body = parse(acceptInviteRequestSchema, request.body);
    await authSelf(request, body.device);
    const invite = await storage.getInvite(inviteId);
    if (!invite) throw new AppError('NOT_FOUND', 'unknown invite');
    const proofOk = verifyInviteAcceptance(invite.authPublicKey, { inviteId, ...body.device }, body.proof);
    if (!proofOk) throw new AppError('SYNC_UNAUTHORIZED', 'invite proof does not verify');
    const now = clock();
    const outcome = await storage.acceptInvite(
      inviteId,
      newDevice(body.device, invite.workspaceId, now),
      now,
    );
    switch (outcome.kind) {
      case 'unknown':
        throw new AppError('NOT_FOUND', 'unknown invite');
      case 'expired':
        throw new HttpError(410, 'NOT_FOUND', 'invite expired');
      case 'used':
        throw new AppError('CONFLICT', 'invite already used');
      case 'device_exists':
        throw new AppError('CONFLICT', 'device id already registered');
      case 'accepted':
        log.log('info', 'invite_accepted', {
          workspaceId: invite.workspaceId,
          inviteId,
          deviceId: body.device.deviceId,
        });
        return {
          workspaceId: outcome.invite.workspaceId,
          wrappedKey: toBase64Url(outcome.invite.wrappedKey),
          device: deviceInfo(outcome.device),
        };
    }
  });

  app.get('/v1/workspaces/:workspaceId/me', async (request) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    const device = await auth(request, workspaceId);
    return { device: deviceInfo(device), latestSeq: await storage.latestSeq(workspaceId) };
  });

  app.get('/v1/workspaces/:workspaceId/devices', async (request) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    await auth(request, workspaceId);
    return { devices: (await storage.listDevices(workspaceId)).map(deviceInfo) };
  });

  app.post('/v1/workspaces/:workspaceId/devices/:deviceId/revoke', async (request) => {
    const params = parse(z.object({ workspaceId: syncIdSchema, deviceId: syncIdSchema }), request.params);
    const caller = await auth(request, params.workspaceId);
    const revoked = await storage.revokeDevice(params.workspaceId, params.deviceId, clock());
    if (!revoked) throw new AppError('NOT_FOUND', 'no such device in this workspace');
    log.log('info', 'device_revoked', {
      workspaceId: params.workspaceId,
      deviceId: params.deviceId,
      by: caller.deviceId,
    });
    return { device: deviceInfo(revoked) };
  });

  app.post('/v1/workspaces/:workspaceId/deltas', async (request) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    const device = await auth(request, workspaceId);
    const body = parse(pushRequestSchema, request.body);
    const deltas = body.deltas.map((d) => {
      const envelope = fromBase64Url(d.envelope);
      if (envelope.length > limits.maxEnvelopeBytes) {
        throw new HttpError(413, 'VALIDATION', 'delta envelope too large');
      }
      return { deltaId: d.deltaId, envelope };
    });
    const results = await storage.appendDeltas(workspaceId, device.deviceId, deltas, clock());
    if (!Array.isArray(results)) {
      throw new AppError('CONFLICT', 'a delta with this id already exists with other content');
    }
    const appended = results.filter((r) => !r.duplicate).length;
    if (appended > 0) notifier.notify(workspaceId);
    log.log('info', 'deltas_pushed', {
      workspaceId,
      deviceId: device.deviceId,
      appended,
      duplicates: results.length - appended,
    });
    return { results, latestSeq: await storage.latestSeq(workspaceId) };
  });

  app.get('/v1/workspaces/:workspaceId/deltas', async (request) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    await auth(request, workspaceId);
    const query = parse(pullQuerySchema, request.query);
    const limit = Math.min(query.limit, limits.maxPageSize);
    const latestSeq = await storage.latestSeq(workspaceId);
    const deltas = await storage.pullDeltas(workspaceId, query.after, limit, limits.maxPageBytes);
    const nextCursor = deltas.length > 0 ? deltas[deltas.length - 1]!.seq : query.after;
    return {
      deltas: deltas.map((d) => ({
        seq: d.seq,
        deltaId: d.deltaId,
        deviceId: d.deviceId,
        receivedAt: d.receivedAt,
        envelope: toBase64Url(d.envelope),
      })),
      nextCursor,
      hasMore: Math.max(latestSeq, nextCursor) > nextCursor,
      latestSeq: Math.max(latestSeq, nextCursor),
    };
  });

  app.get('/v1/workspaces/:workspaceId/wait', async (request, reply) => {
    const { workspaceId } = parse(workspaceParams, request.params);
    await auth(request, workspaceId);
    const query = parse(waitQuerySchema, request.query);
    const deadline = clock() + Math.min(query.timeoutMs, limits.maxWaitMs);
    const gone = new AbortController();
    // The response's 'close' also fires when the client hangs up mid-wait (the request's fires early).
    reply.raw.once('close', () => gone.abort());
    for (;;) {
      const latestSeq = await storage.latestSeq(workspaceId);
      if (latestSeq > query.after) return { latestSeq, changed: true };
      const left = deadline - clock();
      if (left <= 0 || gone.signal.aborted || notifier.closing) return { latestSeq, changed: false };
      await notifier.next(workspaceId, Math.min(left, limits.pollIntervalMs), gone.signal);
    }
  });

  // With `https: null` Fastify serves plain HTTP; both flavours expose the same API to callers.
  return app;
}
