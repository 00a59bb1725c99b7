import { z } from 'zod';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { ModuleContext } from '../module';
import type { DbWorkers } from '../worker/db.worker.client';
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
  return {
    async apply(page) {
      try {
        const crm = pipeline();
        const handle = workers.run(
          { kind: 'sync.applyPage', page },
          { writes: 'upgrade', onEvent: (event, payload) => announceWorkerEvent(ctx, event, payload) },
        );
        const { value, lastHlc } = await handle.result;
        crm.adoptWorkerWrites(lastHlc, pageReferenceMs(page.deltas));
        return pageCountsSchema.parse(value);
      } finally {
        // Moved to the worker when the job started (detached here); zeroed here when it never did.
        for (const k of page.keys) if (k.key.buffer.byteLength > 0) k.key.fill(0);
      }
    },
    async snapshotChunk(chunk) {
      try {
        const crm = pipeline();
        const handle = workers.run(
          { kind: 'sync.applySnapshotChunk', chunk },
          { writes: 'upgrade', onEvent: (event, payload) => announceWorkerEvent(ctx, event, payload) },
        );
        const { value, lastHlc } = await handle.result;
        crm.adoptWorkerWrites(lastHlc, chunk.at);
        return count.parse(value);
      } finally {
        if (chunk.key.buffer.byteLength > 0) chunk.key.fill(0);
      }
    },
  };
}
