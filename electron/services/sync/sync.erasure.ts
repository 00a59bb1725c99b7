import { AppError } from '../../../shared/errors';
import { isActiveManager } from '../../../shared/sync/membership';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import type { SyncEpochs } from './sync.epochs';
import type { SyncInbox } from './sync.inbox';
import type { SyncMembership } from './sync.membership';
import type { SyncSession } from './sync.session';
import type { SyncSnapshots } from './sync.snapshots';

/** The engine's parts an erasure settles through (inside its cycle, behind its guard). */
export interface ErasureParts {
  readonly pipeline: ChangePipeline;
  readonly membership: SyncMembership;
  readonly inbox: SyncInbox;
  readonly snapshots: SyncSnapshots;
  readonly epochs: SyncEpochs;
  readonly session: SyncSession;
  readonly logger: Logger;
  /** Called once an attempt ends, settled or not (the snapshot's progress is over). */
  ended(): void;
}

/**
 * The server side of `privacy.erasePerson` (issue 12 item 3), owed since the local erase and done
 * at the first contact of an owner or admin device: a snapshot without the erased person (their
 * op-log values are gone, so the snapshot leaves them out), the deltas it supersedes deleted from
 * the server by a signed compaction, and a new key epoch. Waits while own ops are unpushed (the
 * snapshot must cover the erase); any failure leaves it owed for the next cycle, and only a locked
 * vault's failure propagates.
 */
export async function settleErasure(parts: ErasureParts): Promise<void> {
  const { pipeline, logger } = parts;
  const owed = pipeline.erasureOwed();
  if (owed === null) return;
  if (!isActiveManager(parts.membership.self())) return;
  if (pipeline.pendingCount() > 0) return;
  try {
    // Pull back what the push just sent: the cursor then covers every own op, the erase's too.
    await parts.inbox.pull();
    const made = await parts.snapshots.create();
    const compacted = await parts.snapshots.compact(made);
    const epoch = await parts.epochs.rotate();
    pipeline.settleErasure(owed);
    logger.log('info', 'sync.erasureSettled', {
      seq: compacted.compactedSeq,
      deleted: compacted.deleted,
      epoch: epoch ?? 0,
    });
  } catch (error) {
    if (parts.session.isStopped) throw error;
    logger.log('warn', 'sync.erasureDeferred', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
  } finally {
    parts.ended();
  }
}
