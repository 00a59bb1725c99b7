import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors';
import { readUint32be } from '../shared/sync/encoding';
import { ENVELOPE_MIN_BYTES, ENVELOPE_VERSION } from '../shared/sync/envelope';
import { authenticateDevice } from './auth';
import { fromBase64Url } from './base64url';
import type { HandlerDeps } from './handlers';
import { pullPageBody } from './pull.body';
import { HttpError, type SyncHandlers } from './routes';

/** The routes these handlers serve. */
export type DeltaRouteName = 'push' | 'pull' | 'wait';

/**
 * The key epoch an envelope's header names (bytes 1..4 after version 2), for the storage's epoch
 * check; nothing for bytes that are not an envelope (no client can open them under any key).
 */
function envelopeEpoch(envelope: Uint8Array): { epoch?: number } {
  if (envelope.length < ENVELOPE_MIN_BYTES || envelope[0] !== ENVELOPE_VERSION) return {};
  return { epoch: readUint32be(envelope, 1) };
}

/**
 * The log routes: push appends sealed deltas (the storage refuses a retired or unknown key epoch and
 * a reused id with other bytes), pull pages through them after a cursor, wait long-polls for the log
 * to move. Deltas stay opaque: the server reads only the epoch in an envelope's header.
 */
export function createDeltaHandlers(deps: HandlerDeps): Pick<SyncHandlers, DeltaRouteName> {
  const { storage, limits, clock, log, notifier, rawBody } = deps;
  const auth = (request: FastifyRequest, workspaceId: string) =>
    authenticateDevice({ request, rawBody: rawBody(request), storage, workspaceId, now: clock() });

  return {
    async push({ request, params: { workspaceId }, body }) {
      const device = await auth(request, workspaceId);
      if (device.role === 'viewer') throw new AppError('FORBIDDEN', 'viewers cannot push changes');
      const deltas = body().deltas.map((d) => {
        const envelope = fromBase64Url(d.envelope);
        if (envelope.length > limits.maxEnvelopeBytes) {
          throw new HttpError(413, 'VALIDATION', 'delta envelope too large');
        }
        return { deltaId: d.deltaId, envelope, ...envelopeEpoch(envelope) };
      });
      const results = await storage.appendDeltas(workspaceId, device.deviceId, deltas, clock());
      if (!Array.isArray(results)) {
        if (results.kind === 'unknown_epoch')
          throw new AppError(
            'VALIDATION',
            `no rotation made this key epoch (the workspace is at ${results.epoch})`,
          );
        if (results.kind === 'retired_epoch')
          throw new AppError(
            'EPOCH_RETIRED',
            `the workspace key was rotated to epoch ${results.epoch}: fetch the membership log and seal again`,
          );
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
    },

    async pull({ request, reply, params: { workspaceId }, query }) {
      await auth(request, workspaceId);
      const q = query();
      const limit = Math.min(q.limit, limits.maxPageSize);
      const latestSeq = await storage.latestSeq(workspaceId);
      const deltas = await storage.pullDeltas(workspaceId, q.after, limit, limits.maxPageBytes);
      // Read after the page, so a compaction that ran before or during the read is seen: a cursor
      // inside the compacted range would otherwise skip deleted deltas silently.
      const compacted = await storage.compactedSeq(workspaceId);
      if (q.after < compacted)
        throw new AppError(
          'LOG_COMPACTED',
          `deltas up to seq ${compacted} were compacted: bootstrap from the snapshot`,
        );
      const nextCursor = deltas.length > 0 ? deltas[deltas.length - 1]!.seq : q.after;
      // Deltas appended after latestSeq was read may be in the page; an empty page must report the
      // log's real top, so a client whose cursor is past it sees that the log moved backwards.
      const top = deltas.length > 0 ? Math.max(latestSeq, nextCursor) : latestSeq;
      // Serialised once into one buffer (pull.body.ts), the route's response schema by construction.
      return reply
        .status(200)
        .type('application/json; charset=utf-8')
        .send(pullPageBody(deltas, { nextCursor, hasMore: top > nextCursor, latestSeq: top }));
    },

    async wait({ request, reply, params: { workspaceId }, query }) {
      await auth(request, workspaceId);
      const q = query();
      const deadline = clock() + Math.min(q.timeoutMs, limits.maxWaitMs);
      const gone = new AbortController();
      // The response's 'close' also fires when the client hangs up mid-wait (the request's fires early).
      reply.raw.once('close', () => gone.abort());
      for (;;) {
        const left = deadline - clock();
        const round = new AbortController();
        const end = () => round.abort();
        gone.signal.addEventListener('abort', end);
        // Armed before the read: a push that lands while latestSeq is read still wakes this wait
        // (armed after, its wake-up would be lost until the next periodic check).
        const woken = notifier.next(
          workspaceId,
          Math.max(0, Math.min(left, limits.pollIntervalMs)),
          round.signal,
        );
        try {
          const latestSeq = await storage.latestSeq(workspaceId);
          if (latestSeq > q.after) return { latestSeq, changed: true };
          if (left <= 0 || gone.signal.aborted || notifier.closing) return { latestSeq, changed: false };
          await woken;
        } finally {
          end();
          gone.signal.removeEventListener('abort', end);
        }
      }
    },
  };
}
