import type { z } from 'zod';
import { MAX_DRIFT_MS } from '../../../shared/domain/hlc';
import { SYNC_LIMITS, type pullResponseSchema } from '../../../shared/sync/protocol';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import type { DeltaAuthor, DeltaAuthors } from './sync.authors';
import { SyncChain, type IntegrityReport } from './sync.chain';
import type { SyncConflicts } from './sync.conflicts';
import { headerKeyId } from './sync.opener';
import { applyPage, type PageCounts, type PageJob, type PageStores } from './sync.page';
import type { WorkspaceRow } from './sync.repository';
import { applySnapshotChunk, type SnapshotChunkJob } from './sync.snapshot.chunk';
import type { SyncSession } from './sync.session';

type Phase = NonNullable<SyncStatus['progress']>['phase'];
type PullPage = z.infer<typeof pullResponseSchema>;

/** Deltas requested per pull page (the server stops a page at 1 MiB of envelopes; the loop follows `hasMore`). */
const PULL_PAGE = SYNC_LIMITS.maxPageSize;
/** What one pull found wrong, for the status line (counts only: never a value). */
export interface PullReport extends PageCounts {
  /** The delta chains after this pull (gaps, rollback). */
  integrity: IntegrityReport;
}

/** Options of one pull. */
export interface PullOptions {
  /**
   * A guided re-sync's full re-pull: own deltas beyond the server's latest seq are expected there
   * (the re-sync pushes them again), so they do not count as a rollback.
   */
  readonly repull?: boolean;
}

/**
 * Applies pulled pages (`applyPage`) and snapshot chunks (`applySnapshotChunk`): on a database worker
 * thread in the app, inline otherwise.
 */
export interface PageApplier {
  apply(job: PageJob): Promise<PageCounts>;
  snapshotChunk(job: SnapshotChunkJob): Promise<number>;
}

/**
 * The inbox: pulls pages since the cursor and hands each to the page applier, which opens and
 * checks every delta and applies its changes through the CRM's change pipeline in one transaction
 * that moves the cursor (sync.page.ts). In the app that runs on a database worker thread, so main's
 * event loop keeps answering while a new device bootstraps a large log; main fetches the next page
 * meanwhile.
 *
 * Each author's deltas are numbered and chained (`SyncChain`): a page records what it saw, so gaps,
 * forks and a server whose log moved backwards are reported; while a rollback is reported nothing
 * is pulled (the cursor no longer matches the server's log) until a guided re-sync (sync.resync.ts).
 */
export class SyncInbox {
  constructor(
    private readonly session: SyncSession,
    private readonly pipeline: () => ChangePipeline,
    private readonly conflicts: SyncConflicts,
    private readonly options: {
      readonly logger: Logger;
      readonly now: () => number;
      readonly maxDriftMs?: number;
      readonly onProgress: (progress: NonNullable<SyncStatus['progress']>) => void;
    },
    private readonly authors: DeltaAuthors,
    pages?: PageApplier,
  ) {
    this.chain = new SyncChain(session.db);
    // Inline: the same code as the worker's, on this vault's connection.
    const stores = (): PageStores => ({
      pipeline: this.pipeline(),
      repo: this.session.repo,
      chain: this.chain,
      conflicts: this.conflicts,
      logger: this.options.logger,
    });
    this.pages = pages ?? {
      apply: (job) => Promise.resolve(applyPage(stores(), job)),
      snapshotChunk: (job) => Promise.resolve(applySnapshotChunk(stores(), job)),
    };
  }

  private readonly pages: PageApplier;

  /** Opens and applies one snapshot chunk where pages are applied (the snapshot bootstrap). */
  applySnapshotChunk(job: SnapshotChunkJob): Promise<number> {
    return this.pages.snapshotChunk(job);
  }

  /** The delta chains of this vault (own numbering, what was seen, findings). */
  readonly chain: SyncChain;

  /** What the chains say now (cheap: a few indexed queries). */
  integrity(): IntegrityReport {
    const ws = this.session.workspace;
    return this.chain.report(ws?.deviceId ?? '', ws?.cursor ?? 0);
  }

  /** Pulls every page since the cursor (nothing while a rollback is reported). */
  async pull(options: PullOptions = {}): Promise<PullReport> {
    const phase: Phase = this.session.require().ws.cursor === 0 ? 'bootstrap' : 'pull';
    const fetchPage = (after: number): Promise<PullPage> => {
      const p = this.session.api((api, workspaceId) => api.pull(workspaceId, after, PULL_PAGE));
      // A prefetched page may be abandoned when applying the current one fails.
      p.catch(() => undefined);
      return p;
    };
    const report: PullReport = {
      skewed: 0,
      rejected: 0,
      quarantined: 0,
      impersonation: 0,
      unauthorised: 0,
      integrity: this.integrity(),
    };
    if (report.integrity.state === 'rollback') return report;
    let next = fetchPage(this.session.require().ws.cursor);
    for (;;) {
      const { ws } = this.session.require();
      const page = await next;
      if (page.latestSeq < ws.cursor || page.nextCursor < ws.cursor) {
        this.rollback('behind_cursor', page.latestSeq, ws.cursor);
        break;
      }
      this.options.onProgress({ phase, done: ws.cursor, total: page.latestSeq });
      if (page.deltas.length === 0 && page.nextCursor === ws.cursor) {
        this.checkOwnBeyond(page.latestSeq, options);
        break;
      }
      // Fetch the next page while this one is verified and applied (hides the round trip).
      if (page.hasMore) next = fetchPage(page.nextCursor);
      await this.authors.ensure([...new Set(page.deltas.map((d) => d.deviceId))]);
      await this.authors.ensureKeys([...new Set(page.deltas.map((d) => headerKeyId(d.envelope)))]);
      const counts = await this.pages.apply(this.pageJob(ws, page));
      for (const k of ['skewed', 'rejected', 'quarantined', 'impersonation', 'unauthorised'] as const)
        report[k] += counts[k];
      this.session.refresh();
      this.options.onProgress({ phase, done: page.nextCursor, total: page.latestSeq });
      if (!page.hasMore) {
        this.checkOwnBeyond(page.latestSeq, options);
        break;
      }
    }
    report.integrity = this.integrity();
    return report;
  }

  /** Our own acknowledged deltas beyond the server's latest seq: its log lost them (a rollback). */
  private checkOwnBeyond(latestSeq: number, options: PullOptions): void {
    if (options.repull) return;
    const lost = this.chain.repo.ownAckedBeyond(latestSeq);
    if (lost > 0) this.rollback('acked_beyond_latest', latestSeq, this.session.require().ws.cursor);
  }

  private rollback(reason: string, latestSeq: number, cursor: number): void {
    this.chain.repo.setRollback(this.options.now());
    this.options.logger.log('warn', 'sync.serverRollback', { reason, latestSeq, cursor });
  }

  /** A page with what applying it needs: its authors as the verified log knows them, key copies. */
  private pageJob(ws: WorkspaceRow, page: PullPage): PageJob {
    const { keys } = this.session.require();
    const authors: [string, DeltaAuthor][] = [];
    for (const deviceId of new Set(page.deltas.map((d) => d.deviceId))) {
      const a = this.authors.author(deviceId);
      // Only the author's data: the job may cross to a worker thread.
      if (a) authors.push([deviceId, { ...a, signPublicKey: new Uint8Array(a.signPublicKey) }]);
    }
    const copies: { keyId: number; key: Uint8Array }[] = [];
    for (const keyId of new Set(page.deltas.map((d) => headerKeyId(d.envelope)))) {
      const key = keys.workspace.get(keyId);
      if (key) copies.push({ keyId, key: new Uint8Array(key) });
    }
    return {
      workspaceId: ws.workspaceId,
      deviceId: ws.deviceId,
      deltas: page.deltas,
      nextCursor: page.nextCursor,
      authors,
      keys: copies,
      maxDriftMs: this.options.maxDriftMs ?? MAX_DRIFT_MS,
      at: this.options.now(),
    };
  }
}
