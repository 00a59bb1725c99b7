import { parseHlc } from '../../../shared/domain/hlc';
import type { PulledDelta } from '../../../shared/sync/protocol';
import type { Change, ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import { mayWriteProfileChange, type DeltaAuthor } from './sync.authors';
import type { SyncChain } from './sync.chain';
import type { SyncConflicts } from './sync.conflicts';
import { openRequest } from './sync.opener';
import type { SyncRepository } from './sync.repository';

/**
 * One pulled page as the inbox hands it over to be applied: on a database worker thread in the app
 * (main's event loop keeps answering meanwhile), in the calling thread where no worker runs.
 * Everything in it is plain data, so it crosses to a worker as it is.
 */
export interface PageJob {
  /** This vault's workspace and server device id. */
  readonly workspaceId: string;
  readonly deviceId: string;
  readonly deltas: readonly PulledDelta[];
  readonly nextCursor: number;
  /** The page's authors as the verified membership log knows them; an unknown one is absent. */
  readonly authors: readonly (readonly [string, DeltaAuthor])[];
  /** Copies of the workspace keys the envelopes name; applying zeroes them, applied or not. */
  readonly keys: readonly { readonly keyId: number; readonly key: Uint8Array }[];
  /** Drift guard tolerance (ms). */
  readonly maxDriftMs: number;
  /** When the page is recorded (ms, main's clock). */
  readonly at: number;
}

/** What one page found wrong, for the pull's report (counts only: never a value). */
export interface PageCounts {
  /** Changes the drift guard held back (stamped too far ahead). */
  skewed: number;
  /** Deltas that failed to authenticate, decode or merge. */
  rejected: number;
  /** Changes quarantined for any reason (invalid values, impersonation, clock skew). */
  quarantined: number;
  /** Changes whose HLC device is not their delta's author (quarantined as `impersonation`). */
  impersonation: number;
  /** Deltas rejected as `unknown_author`, `bad_signature` or `not_writer`. */
  unauthorised: number;
}

/**
 * The newest receive time of a page's deltas: its changes were drift-checked against their delta's
 * receive time, so a clock taking them in may advance up to that.
 */
export function pageReferenceMs(deltas: readonly PulledDelta[]): number {
  return deltas.reduce((m, d) => Math.max(m, d.receivedAt), 0);
}

/** What a page writes through, all on one connection: the CRM's one change writer and the sync tables. */
export interface PageStores {
  readonly pipeline: ChangePipeline;
  readonly repo: SyncRepository;
  readonly chain: SyncChain;
  readonly conflicts: SyncConflicts;
  readonly logger: Logger;
}

interface Opened {
  readonly delta: PulledDelta;
  readonly author: DeltaAuthor;
  readonly changes: Change[];
}

/**
 * Applies one page in one transaction that moves the cursor with what was applied; each delta is a
 * savepoint inside it, so a delta whose changes throw is rolled back and recorded as rejected while
 * the rest of the page applies. A change that fails validation is quarantined (kept inside the
 * encrypted vault with its reason), never applied, and never stops sync.
 *
 * Every delta must be signed by its author as the verified membership log knows it, and every op's
 * HLC device must be exactly that author's clock id. Each opened delta takes its place in its
 * author's chain (`SyncChain`), and the chain settles against the new cursor.
 */
export function applyPage(stores: PageStores, job: PageJob): PageCounts {
  const keys = new Map(job.keys.map((k) => [k.keyId, k.key]));
  try {
    return new PageRun(stores, job, (id) => keys.get(id)).run();
  } finally {
    for (const k of job.keys) k.key.fill(0);
  }
}

class PageRun {
  private readonly counts: PageCounts = {
    skewed: 0,
    rejected: 0,
    quarantined: 0,
    impersonation: 0,
    unauthorised: 0,
  };
  private readonly authors: Map<string, DeltaAuthor>;
  /** Remote change (op id) -> the cursor its device had pulled to when it sealed the change's delta. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly stores: PageStores,
    private readonly job: PageJob,
    private readonly key: (keyId: number) => Uint8Array | undefined,
  ) {
    this.authors = new Map(job.authors);
  }

  run(): PageCounts {
    const { pipeline, repo, chain, conflicts, logger } = this.stores;
    const { job } = this;
    const at = job.at;
    // HLC device id -> server device id, to name conflict sides the way devices.list does.
    const names = new Map<string, string>([[pipeline.deviceId, job.deviceId]]);
    const unseenLocal = (localSeq: number, change: Change): boolean => {
      const known = this.seen.get(change.opId);
      const pushedAt = known === undefined ? null : repo.pushedAt(localSeq);
      return known !== undefined && pushedAt !== null && pushedAt > known;
    };
    const referenceMs = pageReferenceMs(job.deltas);
    pipeline.transaction(() => {
      const applied: Change[] = [];
      for (const { delta, author, changes } of this.openAll()) {
        const admitted = this.admit(delta, author, changes);
        if (admitted.length === 0) continue;
        try {
          pipeline.transaction(() => {
            const result = pipeline.applyRemote(admitted, { unseenLocal, referenceMs });
            for (const r of result.rejected) this.quarantine(delta, r.change, `invalid:${r.reason}`);
            names.set(admitted[0]!.deviceId, delta.deviceId);
            conflicts.record(result.conflicts, at, (id) => names.get(id) ?? id);
          });
          applied.push(...admitted);
        } catch (error) {
          // A delta that authenticated but cannot be merged is a buggy or hostile member's: skip it.
          logger.log('warn', 'sync.deltaMergeFailed', {
            deltaId: delta.deltaId,
            error: error instanceof Error ? error.name : 'error',
          });
          this.reject(delta, 'merge_failed');
        }
      }
      conflicts.closeSuperseded(applied, pipeline.deviceId, at);
      repo.setCursor(job.nextCursor);
      chain.settle(job.deviceId, job.nextCursor, at);
    });
    return this.counts;
  }

  /**
   * Opens each delta: its author must be known to the membership log, have signed it and be
   * allowed to write; undecodable ones are recorded as rejected.
   */
  private openAll(): Opened[] {
    const { chain } = this.stores;
    const opened: Opened[] = [];
    for (const d of this.job.deltas) {
      const author = this.authors.get(d.deviceId);
      if (!author) {
        this.reject(d, 'unknown_author');
        this.counts.unauthorised++;
        continue;
      }
      const {
        reason,
        delta: decoded,
        digest,
      } = openRequest(
        {
          envelope: d.envelope,
          place: { workspaceId: this.job.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
          signPublicKey: author.signPublicKey,
        },
        this.key,
      );
      // Our own delta that does not open: the server holds other bytes under its id.
      const own = d.deviceId === this.job.deviceId;
      if (reason === 'bad_signature' || (reason === null && !author.canWrite)) {
        if (own && reason) chain.repo.markOwnCorrupt(d.deltaId);
        this.reject(d, reason ?? 'not_writer');
        this.counts.unauthorised++;
        continue;
      }
      if (!decoded || !digest) {
        if (own) chain.repo.markOwnCorrupt(d.deltaId);
        this.reject(d, reason ?? 'bad_payload');
        continue;
      }
      chain.observe(d.deviceId, decoded, digest);
      if (own) chain.repo.markOwnDelivered(d.deltaId);
      const changes = decoded.rows.map((r) => ({ ...r, deviceId: parseHlc(r.hlc)?.deviceId ?? '' }));
      opened.push({ delta: d, author, changes });
      if (decoded.seen !== null && !own) for (const c of changes) this.seen.set(c.opId, decoded.seen);
    }
    return opened;
  }

  /** The changes the author may make; the others are quarantined with their reason. */
  private admit(delta: PulledDelta, author: DeltaAuthor, changes: readonly Change[]): Change[] {
    const admitted: Change[] = [];
    for (const c of changes) {
      const stamp = parseHlc(c.hlc);
      // The HLC's device must be exactly the author's clock id as the membership log records it.
      if (c.deviceId !== author.clockId) {
        this.quarantine(delta, c, 'impersonation');
        this.counts.impersonation++;
      } else if (stamp && stamp.wall - delta.receivedAt > this.job.maxDriftMs) {
        this.quarantine(delta, c, 'clock_skew');
        this.counts.skewed++;
      } else if (!mayWriteProfileChange(author, c)) {
        // Names and teams of others are the managers' to set (issue 15), whatever a member sends.
        this.quarantine(delta, c, 'not_authorised');
      } else admitted.push(c);
    }
    return admitted;
  }

  private reject(d: PulledDelta, reason: string): void {
    this.stores.repo.addRejected(
      { deltaId: d.deltaId, seq: d.seq, deviceId: d.deviceId, reason, receivedAt: d.receivedAt },
      this.job.at,
    );
    this.counts.rejected++;
    this.stores.logger.log('warn', 'sync.deltaRejected', { deltaId: d.deltaId, seq: d.seq, reason });
  }

  private quarantine(d: PulledDelta, c: Change, reason: string): void {
    this.stores.repo.addQuarantine(
      {
        opId: c.opId,
        entity: c.entity,
        recordId: c.recordId,
        hlc: c.hlc,
        deviceId: c.deviceId,
        deltaId: d.deltaId,
        seq: d.seq,
        reason,
        receivedAt: d.receivedAt,
      },
      this.job.at,
    );
    this.counts.quarantined++;
  }
}
