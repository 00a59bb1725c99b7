import type { PolicyRead } from '../../../shared/policy/policy.resolve';

/**
 * The OS seam for managed policy: where IT's settings come from on this platform. Implementations
 * never throw from `read` for a policy that exists but is bad: they return that level as
 * `{ok: false, error: PolicyError}`, so the service can apply the restrictive fallback and say why.
 * A missing policy is an empty level, not an error.
 */
export interface PolicySource {
  /** Where this source reads from, for logs and error messages (never a value). */
  readonly description: string;
  /** Reads the machine-wide and the per-user level. */
  read(): Promise<PolicyRead>;
  /**
   * Calls `listener` whenever the policy may have changed; the service re-reads and compares, so a
   * spurious call is harmless. Returns a function that stops watching.
   */
  watch(listener: () => void): () => void;
}

/** Default poll interval for sources the OS gives no change notification for (registry, plutil). */
export const DEFAULT_POLICY_POLL_MS = 60_000;

/** A watch that fires every `ms` milliseconds without keeping the process alive. */
export function pollingWatch(ms: number, listener: () => void): () => void {
  const timer = setInterval(listener, ms);
  timer.unref();
  return () => clearInterval(timer);
}
