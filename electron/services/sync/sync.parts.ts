import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { SyncConflicts } from './sync.conflicts';
import { SyncEnrolment } from './sync.enrolment';
import { SyncEpochs } from './sync.epochs';
import { SyncInbox } from './sync.inbox';
import { SyncMembership } from './sync.membership';
import { SyncOutbox } from './sync.outbox';
import { SyncSession } from './sync.session';
import { SyncSnapshots } from './sync.snapshots';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Db } from '../db/database';
import type { EscrowKeySource } from './sync.epochs';
import type { Logger } from '../log/logger';
import type { PageApplier } from './sync.inbox';
import type { ServerConfirmation } from './sync.enrolment';

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

/** What the sync engine is built with: the vault, the CRM's pipeline, OS and policy seams. */
export interface SyncEngineOptions {
  readonly db: Db;
  /** The CRM's change pipeline over the same database: the only way sync reads or writes CRM data. */
  readonly pipeline: () => ChangePipeline;
  readonly logger: Logger;
  readonly now: () => number;
  /** Every status change (the module forwards it as `sync.statusChanged`). */
  readonly onStatus: (status: SyncStatus) => void;
  /** Called once the verified membership log holds this device's revocation: destroys the vault. */
  readonly wipe: () => Promise<void>;
  /** Main's own confirmation of a server origin the user typed (never the renderer's). */
  readonly confirmation: ServerConfirmation;
  /** Sync in the background with long-poll and backoff (the app); tests drive `syncNow` themselves. */
  readonly autoSync: boolean;
  /** Drift guard tolerance (tests may lower it). */
  readonly maxDriftMs?: number;
  /** IT policy's escrow public key, which also receives every new epoch key (issue 12). */
  readonly escrowKey?: EscrowKeySource;
  /** Holds each cycle's vault writes out of a database worker's write transaction (an import). */
  readonly writeGate?: { shared<T>(fn: () => Promise<T>): Promise<T> };
  /** Applies pulled pages; the app's run on a database worker thread (default: inline, on `db`). */
  readonly pages?: PageApplier;
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
