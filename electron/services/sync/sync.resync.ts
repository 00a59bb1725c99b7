import type { IntegrityReport } from './sync.chain';
import { pullOrRebootstrap, type RebootstrapParts } from './sync.cycle';
import type { SyncInbox } from './sync.inbox';
import type { SyncOutbox } from './sync.outbox';

/**
 * The parts a guided re-sync drives (the engine's own, so it runs inside its cycle chain); the
 * snapshot stands in for a compacted start of the log.
 */
export interface ResyncParts extends RebootstrapParts {
  readonly inbox: SyncInbox;
  readonly outbox: SyncOutbox;
}

/** What a guided re-sync did, with the chains' state after it. */
export interface ResyncResult {
  /** Own deltas the server no longer held, pushed again unchanged. */
  readonly resent: number;
  readonly integrity: IntegrityReport;
}

/**
 * The guided re-sync after a gap or a server rollback; it loses nothing local. It forgets the
 * findings and what was seen of every chain, re-pulls the whole log from 0 (applying is idempotent
 * by op id, so nothing applies twice and no conflict is raised again), pushes again every own
 * delta the server acknowledged once but no longer delivers (same id and bytes: receivers' gaps
 * close with a whole chain), and pulls once more so this vault sees its own resent deltas. What
 * stays reported afterwards is real: a delta only another device can resend (it closes when that
 * device re-syncs), or a fork. When the server compacted the start of its log (LOG_COMPACTED),
 * the committed snapshot stands in for it, as in a cycle's re-bootstrap, and the tail is re-pulled.
 * Run it inside the engine's cycle chain and revocation guard.
 */
export async function resync(parts: ResyncParts): Promise<ResyncResult> {
  const { session, inbox, outbox } = parts;
  session.require();
  session.db.transaction(() => {
    inbox.chain.repo.clearFindings();
    inbox.chain.repo.clearSeen();
    inbox.chain.repo.resetOwnDelivery();
    session.repo.setCursor(0);
  })();
  session.refresh();
  await pullOrRebootstrap(parts, { repull: true });
  const resent = outbox.requeueLost();
  await outbox.push();
  await inbox.pull();
  return { resent, integrity: inbox.integrity() };
}
