import { z } from 'zod';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { ModuleContext } from '../module';
import type { DbWorkers } from '../worker/db.worker.client';
import type { DbJob } from '../worker/db.worker.protocol';
import { announceWorkerEvent } from '../worker/db.worker.events';
import type { PageApplier } from './sync.inbox';
import { pageReferenceMs, type PageCounts } from './sync.page';

const count = z.number().int().nonnegative();
const pageCountsSchema = z.object({
  skewed: count,
  rejected: count,
  quarantined: count,
  impersonation: count,
  unauthorised: count,
}) satisfies z.ZodType<PageCounts>;

/**
 * Pulled pages (and a snapshot bootstrap's chunks) applied on a database worker thread, each on the
 * worker's own connection in one transaction, while main's event loop keeps answering (a new
 * device's bootstrap is the whole log).
 * The job holds the write gate upgraded from the sync cycle's shared hold, so main's other writers
 * wait for it instead of meeting SQLite's lock; `records.changed` from the worker's writer is
 * announced here, and main's connection adopts the worker's stamps afterwards. A lock stops the job
 * and rolls it back (VAULT_LOCKED), leaving the cursor where it was.
 */
export function offloadedPages(
  ctx: Pick<ModuleContext, 'emit'>,
  pipeline: () => ChangePipeline,
  workers: DbWorkers,
): PageApplier {
  /** Runs one writing sync job on a worker and lets main's connection adopt its stamps. */
  const run = async (job: DbJob, referenceMs: number): Promise<unknown> => {
    const crm = pipeline();
    const handle = workers.run(job, {
      writes: 'upgrade',
      onEvent: (event, payload) => announceWorkerEvent(ctx, event, payload),
    });
    const { value, lastHlc } = await handle.result;
    crm.adoptWorkerWrites(lastHlc, referenceMs);
    return value;
  };
  // Key copies move to the worker when a job starts (detached here); zeroed here when one never did.
  return {
    async apply(page) {
      try {
        return pageCountsSchema.parse(
          await run({ kind: 'sync.applyPage', page }, pageReferenceMs(page.deltas)),
        );
      } finally {
        for (const k of page.keys) if (k.key.buffer.byteLength > 0) k.key.fill(0);
      }
    },
    async snapshotChunk(chunk) {
      try {
        return count.parse(await run({ kind: 'sync.applySnapshotChunk', chunk }, chunk.at));
      } finally {
        if (chunk.key.buffer.byteLength > 0) chunk.key.fill(0);
      }
    },
  };
}
