import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { SyncConflicts } from './sync.conflicts';
import { SyncEnrolment } from './sync.enrolment';
import type { SyncEngineOptions } from './sync.engine';
import { SyncEpochs } from './sync.epochs';
import { SyncInbox } from './sync.inbox';
import { SyncMembership } from './sync.membership';
import { SyncOutbox } from './sync.outbox';
import { SyncSession } from './sync.session';
import { SyncSnapshots } from './sync.snapshots';

/** The parts a `SyncEngine` routes to, over one session. */
export interface SyncParts {
  readonly session: SyncSession;
  readonly enrolment: SyncEnrolment;
  readonly membership: SyncMembership;
  readonly conflicts: SyncConflicts;
  readonly inbox: SyncInbox;
  readonly outbox: SyncOutbox;
  readonly epochs: SyncEpochs;
  readonly snapshots: SyncSnapshots;
}

/**
 * Wires the sync parts over one open vault database: the membership log adopts epoch keys after
 * every verified fetch, and the outbox refreshes it when the server says an epoch was retired.
 */
export function createSyncParts(
  options: SyncEngineOptions,
  onProgress: (progress: NonNullable<SyncStatus['progress']>) => void,
): SyncParts {
  const { logger, now, pipeline } = options;
  const session = new SyncSession(options.db, now);
  const membership = new SyncMembership(session, logger, now);
  const enrolment = new SyncEnrolment(session, membership, pipeline().deviceId, now, options.confirmation);
  const conflicts = new SyncConflicts(session.repo, pipeline, logger);
  const inbox = new SyncInbox(
    session,
    pipeline,
    conflicts,
    { logger, now, maxDriftMs: options.maxDriftMs, onProgress },
    membership,
    options.pages,
  );
  const epochs = new SyncEpochs(
    session,
    membership,
    logger,
    options.escrowKey ?? (() => Promise.resolve(undefined)),
  );
  membership.setAdopter(() => epochs.adopt());
  const outbox = new SyncOutbox(session, pipeline, {
    now,
    onProgress,
    onRetired: async () => {
      await membership.refresh();
    },
  });
  const snapshots = new SyncSnapshots(session, membership, inbox, pipeline, { logger, now, onProgress });
  return { session, enrolment, membership, conflicts, inbox, outbox, epochs, snapshots };
}
