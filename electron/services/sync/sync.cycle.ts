import { AppError } from '../../../shared/errors';
import { settleErasure, type ErasureParts } from './sync.erasure';
import type { Logger } from '../log/logger';
import type { PullOptions, PullReport, SyncInbox } from './sync.inbox';
import type { SyncOutbox } from './sync.outbox';
import type { SyncSession } from './sync.session';
import type { SyncSnapshots } from './sync.snapshots';

/** How stale the membership view may be at the start of a cycle (new authors refresh it at once). */
const MEMBERSHIP_MAX_AGE_MS = 60_000;

/** What one cycle runs over: the engine's parts, and its reactions to what the cycle finds. */
export interface CycleParts extends ErasureParts {
  readonly outbox: SyncOutbox;
  readonly now: () => number;
  /** The verified log holds this device's revocation: wipe it (the cycle then fails DEVICE_REVOKED). */
  onRevoked(): Promise<void>;
  /** A rotation after a revocation this device signed is still due: try it (failures are deferred). */
  rotateAfterRevocation(): Promise<void>;
  /** The pull is done, before the push: the engine keeps its impersonation count and warning. */
  pulled(report: PullReport): void;
}

/**
 * One sync cycle, in the order its steps depend on: the members (who may write, and whether this
 * device is revoked), the epoch keys, a bootstrap from the committed snapshot for a vault that has
 * pulled nothing, the pull, the push, a new snapshot when its maker may no longer sign, then an
 * erasure still owed to the server. Runs behind the
 * engine's guard and write gate; the engine serialises cycles.
 */
export async function runCycle(parts: CycleParts): Promise<void> {
  const { membership, epochs, session, snapshots, logger } = parts;
  await membership.refreshIfOlder(MEMBERSHIP_MAX_AGE_MS);
  if (membership.selfRevoked()) {
    await parts.onRevoked();
    throw new AppError('DEVICE_REVOKED', 'This device was revoked (signed by an admin)');
  }
  epochs.adopt();
  if (epochs.rotationDueByUs()) await parts.rotateAfterRevocation();
  if (session.require().ws.cursor === 0) await snapshots.bootstrap();
  const report = await pullOrRebootstrap(parts);
  if (report.impersonation > 0) logger.log('warn', 'sync.impersonation', { ops: report.impersonation });
  if (report.skewed > 0) logger.log('warn', 'sync.clockSkew', { quarantined: report.skewed });
  parts.pulled(report);
  await parts.outbox.push();
  session.repo.setLastSync(parts.now());
  session.refresh();
  await renewOrphanedSnapshot(parts);
  await settleErasure(parts);
}

/** A committed snapshot whose maker may no longer sign is replaced; a failure waits for the next cycle. */
async function renewOrphanedSnapshot(parts: CycleParts): Promise<void> {
  try {
    // Its progress is over once one was made.
    if (await parts.snapshots.renewIfOrphaned()) parts.ended();
  } catch (error) {
    parts.ended();
    if (parts.session.isStopped) throw error;
    parts.logger.log('warn', 'sync.snapshotRenewDeferred', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
  }
}

/** What a pull that may meet a compacted log runs over (a cycle's parts, or a guided re-sync's). */
export interface RebootstrapParts {
  readonly inbox: Pick<SyncInbox, 'pull'>;
  readonly snapshots: Pick<SyncSnapshots, 'bootstrap'>;
  readonly session: SyncSession;
  readonly logger: Logger;
}

/**
 * Pulls; when the server compacted the deltas after the cursor (LOG_COMPACTED: this device was
 * offline while an admin compacted, or a re-sync starts again from 0), bootstraps from the
 * committed snapshot instead of reporting a gap, then pulls the tail with the same options. Local
 * pending edits are untouched and pushed afterwards.
 */
export async function pullOrRebootstrap(
  parts: RebootstrapParts,
  options: PullOptions = {},
): Promise<PullReport> {
  try {
    return await parts.inbox.pull(options);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'LOG_COMPACTED') throw error;
    parts.logger.log('info', 'sync.rebootstrap', { cursor: parts.session.require().ws.cursor });
    await parts.snapshots.bootstrap({ compacted: true });
    return parts.inbox.pull(options);
  }
}
