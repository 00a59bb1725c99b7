import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors';
import { CompactionError, verifyCompaction } from '../shared/sync/compaction';
import {
  SNAPSHOT_MAX_CHUNK_BYTES,
  SnapshotError,
  verifyManifest,
  type SnapshotManifestBody,
} from '../shared/sync/snapshot';
import { authenticateDevice } from './auth';
import { toBase64Url } from './base64url';
import type { HandlerDeps } from './handlers';
import { HttpError, type SyncHandlers } from './routes';
import type { DeviceRecord } from './storage/storage';

/** The routes these handlers serve. */
export type SnapshotRouteName =
  'putSnapshotChunk' | 'commitSnapshot' | 'latestSnapshot' | 'snapshotChunk' | 'compactLog';

function requireMaker(device: DeviceRecord): void {
  if (device.role !== 'owner' && device.role !== 'admin')
    throw new AppError('FORBIDDEN', 'only owners and admins make snapshots');
}

/**
 * The snapshot routes (issue 12 item 2). Only owner and admin devices upload; a commit needs a
 * manifest signed by the calling device itself for this workspace, at the workspace's current
 * epoch, within its log, with every chunk stored as named. Any member reads the committed one.
 * The server never holds a key: chunks stay opaque.
 */
export function createSnapshotHandlers(deps: HandlerDeps): Pick<SyncHandlers, SnapshotRouteName> {
  const { storage, clock, log, rawBody } = deps;
  const auth = (request: FastifyRequest, workspaceId: string) =>
    authenticateDevice({ request, rawBody: rawBody(request), storage, workspaceId, now: clock() });

  return {
    async putSnapshotChunk({ request, params: { workspaceId, snapshotId }, body }) {
      const device = await auth(request, workspaceId);
      requireMaker(device);
      const b = body();
      const chunk = Buffer.from(b.chunk, 'base64url');
      if (chunk.length > SNAPSHOT_MAX_CHUNK_BYTES)
        throw new HttpError(413, 'VALIDATION', 'snapshot chunk too large');
      if (!(await storage.putSnapshotChunk(workspaceId, snapshotId, b.index, chunk)))
        throw new AppError('CONFLICT', 'this snapshot is already committed');
      return { snapshotId, index: b.index };
    },

    async commitSnapshot({ request, params: { workspaceId }, body }) {
      const device = await auth(request, workspaceId);
      requireMaker(device);
      const signed = body().manifest;
      let manifest: SnapshotManifestBody;
      try {
        manifest = verifyManifest(signed, workspaceId, (id) =>
          id === device.deviceId ? device.signPublicKey : null,
        );
      } catch (error) {
        if (error instanceof SnapshotError)
          throw new AppError('SNAPSHOT_REJECTED', `snapshot manifest refused: ${error.reason}`);
        throw error;
      }
      const outcome = await storage.commitSnapshot({
        workspaceId,
        snapshotId: manifest.snapshotId,
        deviceId: device.deviceId,
        epoch: manifest.epoch,
        seq: manifest.seq,
        manifest: signed.json,
        signature: signed.signature,
        createdAt: clock(),
        digests: manifest.chunks,
      });
      switch (outcome.kind) {
        case 'committed':
          log.log('info', 'snapshot_committed', {
            workspaceId,
            snapshotId: manifest.snapshotId,
            seq: manifest.seq,
            chunks: manifest.chunks.length,
            by: device.deviceId,
          });
          return { snapshotId: manifest.snapshotId, seq: manifest.seq };
        case 'chunks':
          throw new AppError('SNAPSHOT_REJECTED', `snapshot chunk ${outcome.index} is missing or altered`);
        case 'beyond_log':
          throw new AppError(
            'SNAPSHOT_REJECTED',
            `the snapshot covers seqs beyond the log (${outcome.latestSeq})`,
          );
        case 'epoch':
          throw new AppError('EPOCH_RETIRED', `the workspace key is at epoch ${outcome.epoch}: seal again`);
        case 'older':
          throw new AppError('CONFLICT', `a snapshot up to seq ${outcome.seq} is already committed`);
        case 'unknown_workspace':
          throw new AppError('NOT_FOUND', 'unknown workspace');
      }
    },

    async latestSnapshot({ request, params: { workspaceId } }) {
      await auth(request, workspaceId);
      const s = await storage.latestSnapshot(workspaceId);
      return { manifest: s ? { json: s.manifest, signature: s.signature } : null };
    },

    async snapshotChunk({ request, params: { workspaceId, snapshotId }, query }) {
      await auth(request, workspaceId);
      const { index } = query();
      const chunk = await storage.snapshotChunk(workspaceId, snapshotId, index);
      if (!chunk) throw new AppError('NOT_FOUND', 'no such snapshot chunk');
      return { index, chunk: toBase64Url(chunk) };
    },

    /**
     * Deletes superseded deltas (issue 12 item 3), only on a statement the calling owner or admin
     * device signed for this workspace, naming the committed snapshot and no seq past it. Any other
     * statement is refused with `COMPACTION_REFUSED` and deletes nothing.
     */
    async compactLog({ request, params: { workspaceId }, body }) {
      const device = await auth(request, workspaceId);
      const statement = body().statement;
      const fail = (reason: ConstructorParameters<typeof CompactionError>[0]): never => {
        log.log('warn', 'compaction_refused', { workspaceId, by: device.deviceId, reason });
        throw new CompactionError(reason);
      };
      let seq: number;
      let snapshotId: string;
      try {
        ({ seq, snapshotId } = verifyCompaction(
          statement,
          workspaceId,
          device.deviceId,
          device.signPublicKey,
        ));
      } catch (error) {
        if (error instanceof CompactionError) return fail(error.reason);
        throw error;
      }
      if (device.role !== 'owner' && device.role !== 'admin') return fail('not_authorised');
      const outcome = await storage.compactLog(workspaceId, snapshotId, seq);
      switch (outcome.kind) {
        case 'compacted':
          log.log('info', 'log_compacted', {
            workspaceId,
            snapshotId,
            seq,
            deleted: outcome.deleted,
            by: device.deviceId,
          });
          return { compactedSeq: outcome.compactedSeq, deleted: outcome.deleted };
        case 'not_committed_snapshot':
          return fail('not_committed_snapshot');
        case 'beyond_snapshot':
          return fail('beyond_snapshot');
        case 'unknown_workspace':
          throw new AppError('NOT_FOUND', 'unknown workspace');
      }
    },
  };
}
