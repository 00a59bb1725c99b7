import { toPolicyView, type PolicyView } from '../../../shared/policy/policy.channels';
import {
  PolicyError,
  RESTRICTIVE_POLICY,
  resolvePolicy,
  type EffectivePolicy,
  type PolicyRead,
} from '../../../shared/policy/policy.resolve';
import { policyKeys } from '../../../shared/policy/policy.schema';
import type { Logger } from '../log/logger';
import type { PolicySource } from './policy.source';

/** Until the first read finishes, anyone who asks synchronously gets the strictest answer. */
const BEFORE_FIRST_READ: EffectivePolicy = {
  values: RESTRICTIVE_POLICY,
  managed: policyKeys.filter((key) => RESTRICTIVE_POLICY[key] !== undefined),
  origin: {},
  problems: [],
  restricted: true,
};

/**
 * The effective managed policy in main. Reads the platform source at start and on every change
 * hint, applies precedence (machine over user over the user's own settings) and tells listeners
 * when the result changed.
 *
 * A bad policy is never ignored: the unusable level is replaced by `RESTRICTIVE_POLICY`, the
 * problem is logged (reason and message, never a value) and reported through `policy.get`, and the
 * app keeps running so the user can still reach their data under the strictest settings.
 */
export class PolicyService {
  private state: EffectivePolicy = BEFORE_FIRST_READ;
  private stateKey = '';
  private readonly listeners = new Set<(policy: EffectivePolicy) => void>();
  private readonly first: Promise<void>;
  private refreshing: Promise<void> = Promise.resolve();
  private pending = false;
  private stopWatching: (() => void) | null = null;
  private disposed = false;

  constructor(
    private readonly source: PolicySource,
    private readonly logger: Logger,
  ) {
    this.stopWatching = source.watch(() => void this.refresh());
    this.first = this.refresh();
  }

  /** The effective policy once the first read has finished. */
  async ready(): Promise<EffectivePolicy> {
    await this.first;
    return this.state;
  }

  /** The effective policy now (the strictest one before the first read finished). */
  current(): EffectivePolicy {
    return this.state;
  }

  /** What the renderer may see of it (secrets as "set"). */
  view(): PolicyView {
    return toPolicyView(this.state);
  }

  /** Calls `listener` after every change of the effective policy. Returns an unsubscribe. */
  onChange(listener: (policy: EffectivePolicy) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the source. Calls made while a read is running coalesce into one more read. */
  refresh(): Promise<void> {
    if (this.pending) return this.refreshing;
    this.pending = true;
    this.refreshing = this.refreshing.then(async () => {
      this.pending = false;
      if (!this.disposed) this.apply(await this.readSource());
    });
    return this.refreshing;
  }

  /** Stops watching the source. Safe to call twice. */
  dispose(): void {
    this.disposed = true;
    this.stopWatching?.();
    this.stopWatching = null;
    this.listeners.clear();
  }

  private async readSource(): Promise<PolicyRead> {
    try {
      return await this.source.read();
    } catch (cause) {
      const error = new PolicyError('unreadable', `${this.source.description} could not be read.`, { cause });
      return { machine: { ok: false, error }, user: { ok: false, error } };
    }
  }

  private apply(read: PolicyRead): void {
    const next = resolvePolicy(read);
    const key = JSON.stringify([next.values, next.problems]);
    if (key === this.stateKey) return;
    const firstRead = this.stateKey === '';
    this.state = next;
    this.stateKey = key;
    for (const problem of next.problems) {
      this.logger.log('error', 'policy.invalid', {
        // `level` is the log record's own field.
        scope: problem.level,
        reason: problem.reason,
        message: problem.message,
      });
    }
    this.logger.log('info', firstRead ? 'policy.loaded' : 'policy.changed', {
      source: this.source.description,
      managed: next.managed.join(','),
      restricted: next.restricted,
    });
    if (firstRead) return;
    for (const listener of [...this.listeners]) listener(next);
  }
}
