import { z } from 'zod';
import { signedCompactionSchema } from './compaction';
import { cursorSchema, syncIdSchema } from './protocol';
import { SNAPSHOT_MAX_CHUNKS, signedManifestSchema } from './snapshot';

/**
 * The snapshot routes' requests and responses (issue 12 item 2). Chunks travel as unpadded
 * base64url; the server stores them as opaque bytes and keeps one committed snapshot per workspace.
 */

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'invalid base64url');
const chunkIndex = z.coerce
  .number()
  .int()
  .nonnegative()
  .max(SNAPSHOT_MAX_CHUNKS - 1);

/** `POST .../snapshots/:snapshotId/chunks`: one sealed chunk of a snapshot being uploaded. */
export const putSnapshotChunkRequestSchema = z.object({ index: chunkIndex, chunk: b64url });
export const putSnapshotChunkResponseSchema = z.object({ snapshotId: syncIdSchema, index: z.number().int() });

/** `POST .../snapshots`: commits an uploaded snapshot by its signed manifest. */
export const commitSnapshotRequestSchema = z.object({ manifest: signedManifestSchema });
export const commitSnapshotResponseSchema = z.object({ snapshotId: syncIdSchema, seq: cursorSchema });

/** `GET .../snapshots/latest`: the committed snapshot's manifest, or null when none. */
export const latestSnapshotResponseSchema = z.object({ manifest: signedManifestSchema.nullable() });

/** `GET .../snapshots/:snapshotId/chunks?index=`: one sealed chunk. */
export const snapshotChunkQuerySchema = z.object({ index: chunkIndex });
export const snapshotChunkResponseSchema = z.object({ index: z.number().int(), chunk: b64url });

export const snapshotParamsSchema = z.object({ workspaceId: syncIdSchema, snapshotId: syncIdSchema });

/** `POST .../compactions`: deletes the deltas a committed snapshot supersedes (issue 12 item 3). */
export const compactLogRequestSchema = z.object({ statement: signedCompactionSchema });
export const compactLogResponseSchema = z.object({
  /** Every delta with seq <= this is gone from the server. */
  compactedSeq: cursorSchema,
  deleted: z.number().int().nonnegative(),
});
