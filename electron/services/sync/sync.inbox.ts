import type { z } from 'zod';
import { MAX_DRIFT_MS, parseHlc } from '../../../shared/domain/hlc';
import { fromBase64Url } from '../../../shared/sync/encoding';
import { EnvelopeError, openDelta } from '../../../shared/sync/envelope';
import { SYNC_LIMITS, type PulledDelta, type pullResponseSchema } from '../../../shared/sync/protocol';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { Change, ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import type { SyncConflicts } from './sync.conflicts';
import { decodeDelta } from './sync.delta';
import type { WorkspaceRow } from './sync.repository';
import type { SyncSession } from './sync.session';

type Phase = NonNullable<SyncStatus['progress']>['phase'];
type PullPage = z.infer<typeof pullResponseSchema>;

/** Deltas requested per pull page (the server also stops a page at 4 MiB). */
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
  /** Changes quarantined for any reason (invalid values, foreign device, clock skew). */
  quarantined: number;
}

interface Opened {
  readonly delta: PulledDelta;
  readonly changes: Change[];
}

/**
 * The inbox: pulls pages since the cursor, opens and checks each delta, and applies its changes
 * through the CRM's change pipeline. One transaction per page moves the cursor with what was
 * applied; each delta is a savepoint inside it, so a delta whose changes throw is rolled back and
 * recorded as rejected while the rest of the page applies. A change that fails validation is
 * quarantined (kept inside the encrypted vault with its reason), never applied, and never stops sync.
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
  ) {}

  /** Pulls every page since the cursor. */
  async pull(): Promise<PullReport> {
    const phase: Phase = this.session.require().ws.cursor === 0 ? 'bootstrap' : 'pull';
    const fetchPage = (after: number): Promise<PullPage> => {
      const p = this.session.api((api, workspaceId) => api.pull(workspaceId, after, PULL_PAGE));
      // A prefetched page may be abandoned when applying the current one fails.
      p.catch(() => undefined);
      return p;
    };
    const report: PullReport = { skewed: 0, rejected: 0, quarantined: 0 };
    let next = fetchPage(this.session.require().ws.cursor);
    const restore =
      phase === 'bootstrap'
        ? this.session.repo.tuneForBulkApply(BOOTSTRAP_CACHE_KIB, BOOTSTRAP_CHECKPOINT_BYTES)
        : null;
    try {
      for (;;) {
        const { ws } = this.session.require();
        const page = await next;
        this.options.onProgress({ phase, done: ws.cursor, total: page.latestSeq });
        if (page.deltas.length === 0 && page.nextCursor === ws.cursor) break;
        // Fetch the next page while this one is verified and applied (hides the round trip).
        if (page.hasMore) next = fetchPage(page.nextCursor);
        this.applyPage(ws, page.deltas, page.nextCursor, report);
        this.session.refresh();
        this.options.onProgress({ phase, done: page.nextCursor, total: page.latestSeq });
        if (!page.hasMore) break;
      }
    } finally {
      restore?.();
    }
    return report;
  }

  /** Opens each delta; undecodable ones are recorded as rejected. */
  private open(ws: WorkspaceRow, deltas: readonly PulledDelta[], at: number, report: PullReport): Opened[] {
    const { keys } = this.session.require();
    const opened: Opened[] = [];
    for (const d of deltas) {
      let reason: string | null = null;
      let plain: Uint8Array | null = null;
      try {
        plain = openDelta(
          fromBase64Url(d.envelope),
          { workspaceId: ws.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
          (id) => keys.workspace.get(id),
        );
      } catch (error) {
        reason = error instanceof EnvelopeError ? error.reason : 'malformed';
      }
      const decoded = plain ? decodeDelta(plain) : null;
      plain?.fill(0);
      if (!decoded) {
        this.reject(d, reason ?? 'bad_payload', at, report);
        continue;
      }
      const changes = decoded.rows.map((r) => ({ ...r, deviceId: parseHlc(r.hlc)?.deviceId ?? '' }));
      opened.push({ delta: d, changes });
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
      for (const { delta, changes } of opened) {
        const admitted: Change[] = [];
        for (const c of changes) {
          const stamp = parseHlc(c.hlc);
          // The HLC's device must be the pusher's CRM device (its server id is `<crm id>-<suffix>`).
          if (delta.deviceId !== c.deviceId && !delta.deviceId.startsWith(`${c.deviceId}-`))
            this.quarantine(delta, c, 'foreign_device', at, report);
          else if (stamp && stamp.wall - delta.receivedAt > maxDrift) {
            this.quarantine(delta, c, 'clock_skew', at, report);
            report.skewed++;
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
