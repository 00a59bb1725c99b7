import { AppError } from '../../../shared/errors';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { SyncSession } from './sync.session';

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Long-poll wait between automatic syncs; local edits wait at most this long to be pushed. */
const IDLE_WAIT_MS = 10_000;
/** How often the idle loop looks for local edits to push. */
const LOCAL_POLL_MS = 1_000;

/** What the background loop drives: the engine's cycle, behind its revocation guard. */
export interface LoopHost {
  readonly session: SyncSession;
  readonly pipeline: () => ChangePipeline;
  syncNow(): Promise<SyncStatus>;
  guard<T>(fn: () => Promise<T>): Promise<T>;
  /** True once the vault locked or the device was revoked. */
  finished(): boolean;
  /** A cycle failed; the next try is in `delayMs`. */
  onRetry(error: AppError, delayMs: number): void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Long-polls the server for new deltas; returns early when the local op log grows (an edit to
 * push), checked cheaply by its largest seq every second.
 */
async function waitForChanges(host: LoopHost): Promise<void> {
  const { ws } = host.session.require();
  const local = new AbortController();
  const pipeline = host.pipeline();
  const startSeq = pipeline.maxSeq();
  const timer = setInterval(() => {
    try {
      if (pipeline.maxSeq() !== startSeq) local.abort();
    } catch {
      local.abort();
    }
  }, LOCAL_POLL_MS);
  try {
    await host.session.api((api, workspaceId) => api.wait(workspaceId, ws.cursor, IDLE_WAIT_MS), {
      timeoutMs: IDLE_WAIT_MS + 5_000,
      signal: local.signal,
    });
  } catch (error) {
    if (!local.signal.aborted) throw error;
  } finally {
    clearInterval(timer);
  }
}

/** Background sync: a cycle, then a long-poll, with jittered exponential backoff on failure. */
export async function backgroundLoop(host: LoopHost): Promise<void> {
  let backoff = 0;
  const signal = host.session.abort.signal;
  while (!host.finished()) {
    try {
      await host.syncNow();
      backoff = 0;
      await host.guard(() => waitForChanges(host));
    } catch (error) {
      if (host.finished()) break;
      const e =
        error instanceof AppError
          ? error
          : new AppError('INTERNAL', 'Sync failed unexpectedly', { cause: error });
      backoff = Math.min(BACKOFF_MAX_MS, backoff === 0 ? BACKOFF_MIN_MS : backoff * 2);
      // Jitter so a fleet of laptops waking together does not stampede the server.
      const delay = Math.round(backoff * (0.75 + Math.random() * 0.5));
      host.onRetry(e, delay);
      await sleep(delay, signal);
    }
  }
}
