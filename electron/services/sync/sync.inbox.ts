import type { z } from 'zod';
import { MAX_DRIFT_MS, parseHlc } from '../../../shared/domain/hlc';
import { fromBase64Url, readUint32be } from '../../../shared/sync/encoding';
import { ENVELOPE_VERSION, EnvelopeError, openDelta } from '../../../shared/sync/envelope';
import { SYNC_LIMITS, type PulledDelta, type pullResponseSchema } from '../../../shared/sync/protocol';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { Change, ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import { mayWriteProfileChange, type DeltaAuthor, type DeltaAuthors } from './sync.authors';
import { SyncChain, type IntegrityReport } from './sync.chain';
import type { SyncConflicts } from './sync.conflicts';
import { decodeDelta } from './sync.delta';
import type { WorkspaceRow } from './sync.repository';
import type { SyncSession } from './sync.session';

type Phase = NonNullable<SyncStatus['progress']>['phase'];
type PullPage = z.infer<typeof pullResponseSchema>;

/** Deltas requested per pull page (the server stops a page at 1 MiB of envelopes; the loop follows `hasMore`). */
const PULL_PAGE = SYNC_LIMITS.maxPageSize;
/** Page cache while bootstrapping (a large log into an empty vault), then back to the store default. */
const BOOTSTRAP_CACHE_KIB = 256 * 1024;
/** WAL size between automatic checkpoints while bootstrapping (default 4 MiB). */
const BOOTSTRAP_CHECKPOINT_BYTES = 80 * 1024 * 1024;

/** What one pull found wrong, for the status line (counts only: never a value). */
export interface PullReport {
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
  /** The delta chains after this pull (gaps, rollback). */
  integrity: IntegrityReport;
}

interface Opened {
  readonly delta: PulledDelta;
  readonly author: DeltaAuthor;
  readonly changes: Change[];
}

/** Options of one pull. */
export interface PullOptions {
  /**
   * A guided re-sync's full re-pull: own deltas beyond the server's latest seq are expected there
   * (the re-sync pushes them again), so they do not count as a rollback.
   */
  readonly repull?: boolean;
}

/** The key epoch an envelope (base64url) names in its header; 0 when it has none (it will be rejected). */
function headerKeyId(envelope: string): number {
  try {
    const head = fromBase64Url(envelope.slice(0, 8));
    return head.length >= 5 && head[0] === ENVELOPE_VERSION ? readUint32be(head, 1) : 0;
  } catch {
    return 0;
  }
}

/**
 * The inbox: pulls pages since the cursor, opens and checks each delta, and applies its changes
 * through the CRM's change pipeline. One transaction per page moves the cursor with what was
 * applied; each delta is a savepoint inside it, so a delta whose changes throw is rolled back and
 * recorded as rejected while the rest of the page applies. A change that fails validation is
 * quarantined (kept inside the encrypted vault with its reason), never applied, and never stops sync.
 *
 * Every delta must be signed by its author as the verified membership log knows it (`DeltaAuthors`),
 * and every op's HLC device must be exactly that author's clock id. Each author's deltas are
 * numbered and chained (`SyncChain`): a page records what it saw, so gaps, forks and a server whose
 * log moved backwards are reported; while a rollback is reported nothing is pulled (the cursor no
 * longer matches the server's log) until a guided re-sync (sync.resync.ts).
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
  ) {
    this.chain = new SyncChain(session.db);
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
    const restore =
      phase === 'bootstrap'
        ? this.session.repo.tuneForBulkApply(BOOTSTRAP_CACHE_KIB, BOOTSTRAP_CHECKPOINT_BYTES)
        : null;
    try {
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
        this.applyPage(ws, page.deltas, page.nextCursor, report);
        this.session.refresh();
        this.options.onProgress({ phase, done: page.nextCursor, total: page.latestSeq });
        if (!page.hasMore) {
          this.checkOwnBeyond(page.latestSeq, options);
          break;
        }
      }
    } finally {
      restore?.();
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

  /**
   * Opens each delta: its author must be known to the membership log, have signed it and be
   * allowed to write; undecodable ones are recorded as rejected. Every opened delta takes its place
   * in its author's chain.
   */
  private open(ws: WorkspaceRow, deltas: readonly PulledDelta[], at: number, report: PullReport): Opened[] {
    const { keys } = this.session.require();
    const opened: Opened[] = [];
    for (const d of deltas) {
      const author = this.authors.author(d.deviceId);
      if (!author) {
        this.reject(d, 'unknown_author', at, report);
        report.unauthorised++;
        continue;
      }
      let reason: string | null = null;
      let plain: Uint8Array | null = null;
      let digest: Uint8Array | null = null;
      try {
        ({ plaintext: plain, digest } = openDelta(
          fromBase64Url(d.envelope),
          { workspaceId: ws.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
          (id) => keys.workspace.get(id),
          author.signPublicKey,
        ));
      } catch (error) {
        reason = error instanceof EnvelopeError ? error.reason : 'malformed';
      }
      // Our own delta that does not open: the server holds other bytes under its id.
      const own = d.deviceId === ws.deviceId;
      if (reason === 'bad_signature' || (plain && !author.canWrite)) {
        plain?.fill(0);
        if (own && reason) this.chain.repo.markOwnCorrupt(d.deltaId);
        this.reject(d, reason ?? 'not_writer', at, report);
        report.unauthorised++;
        continue;
      }
      const decoded = plain ? decodeDelta(plain) : null;
      plain?.fill(0);
      if (!decoded || !digest) {
        if (own) this.chain.repo.markOwnCorrupt(d.deltaId);
        this.reject(d, reason ?? 'bad_payload', at, report);
        continue;
      }
      this.chain.observe(d.deviceId, decoded, digest);
      if (own) this.chain.repo.markOwnDelivered(d.deltaId);
      const changes = decoded.rows.map((r) => ({ ...r, deviceId: parseHlc(r.hlc)?.deviceId ?? '' }));
      opened.push({ delta: d, author, changes });
      if (decoded.seen !== null && d.deviceId !== ws.deviceId)
        for (const c of changes) this.seen.set(c.opId, decoded.seen);
    }
    return opened;
  }

  /** Remote change (op id) -> the cursor its device had pulled to when it sealed the change's delta. */
  private readonly seen = new Map<string, number>();

  private applyPage(
    ws: WorkspaceRow,
    deltas: readonly PulledDelta[],
    nextCursor: number,
    report: PullReport,
  ): void {
    const at = this.options.now();
    const maxDrift = this.options.maxDriftMs ?? MAX_DRIFT_MS;
    const pipeline = this.pipeline();
    // HLC device id -> server device id, to name conflict sides the way devices.list does.
    const names = new Map<string, string>([[pipeline.deviceId, ws.deviceId]]);
    const unseenLocal = (localSeq: number, change: Change): boolean => {
      const known = this.seen.get(change.opId);
      const pushedAt = known === undefined ? null : this.session.repo.pushedAt(localSeq);
      return known !== undefined && pushedAt !== null && pushedAt > known;
    };
    // Changes were drift-checked against their delta's receive time: the clock may take in up to that.
    const referenceMs = deltas.reduce((m, d) => Math.max(m, d.receivedAt), 0);
    pipeline.transaction(() => {
      const opened = this.open(ws, deltas, at, report);
      const applied: Change[] = [];
      for (const { delta, author, changes } of opened) {
        const admitted: Change[] = [];
        for (const c of changes) {
          const stamp = parseHlc(c.hlc);
          // The HLC's device must be exactly the author's clock id as the membership log records it.
          if (c.deviceId !== author.clockId) {
            this.quarantine(delta, c, 'impersonation', at, report);
            report.impersonation++;
          } else if (stamp && stamp.wall - delta.receivedAt > maxDrift) {
            this.quarantine(delta, c, 'clock_skew', at, report);
            report.skewed++;
          } else if (!mayWriteProfileChange(author, c)) {
            // Names and teams of others are the managers' to set (issue 15), whatever a member sends.
            this.quarantine(delta, c, 'not_authorised', at, report);
          } else admitted.push(c);
        }
        if (admitted.length === 0) continue;
        try {
          pipeline.transaction(() => {
            const result = pipeline.applyRemote(admitted, { unseenLocal, referenceMs });
            for (const r of result.rejected)
              this.quarantine(delta, r.change, `invalid:${r.reason}`, at, report);
            names.set(admitted[0]!.deviceId, delta.deviceId);
            this.conflicts.record(result.conflicts, at, (id) => names.get(id) ?? id);
          });
          applied.push(...admitted);
        } catch (error) {
          // A delta that authenticated but cannot be merged is a buggy or hostile member's: skip it.
          this.options.logger.log('warn', 'sync.deltaMergeFailed', {
            deltaId: delta.deltaId,
            error: error instanceof Error ? error.name : 'error',
          });
          this.reject(delta, 'merge_failed', at, report);
        }
      }
      this.conflicts.closeSuperseded(applied, pipeline.deviceId, at);
      this.session.repo.setCursor(nextCursor);
      this.chain.settle(ws.deviceId, nextCursor, at);
    });
    this.seen.clear();
  }

  private reject(d: PulledDelta, reason: string, at: number, report: PullReport): void {
    this.session.repo.addRejected(
      { deltaId: d.deltaId, seq: d.seq, deviceId: d.deviceId, reason, receivedAt: d.receivedAt },
      at,
    );
    report.rejected++;
    this.options.logger.log('warn', 'sync.deltaRejected', { deltaId: d.deltaId, seq: d.seq, reason });
  }

  private quarantine(d: PulledDelta, c: Change, reason: string, at: number, report: PullReport): void {
    this.session.repo.addQuarantine(
      {
        opId: c.opId,
        entity: c.entity,
        recordId: c.recordId,
        fields: c.fields,
        hlc: c.hlc,
        deviceId: c.deviceId,
        deltaId: d.deltaId,
        seq: d.seq,
        reason,
        receivedAt: d.receivedAt,
      },
      at,
    );
    report.quarantined++;
  }
}
