import {
  EMPTY_LAYER,
  parsePolicyLayer,
  type PolicyLayer,
  type PolicyRead,
} from '../../../shared/policy/policy.resolve';
import type { PolicySource } from './policy.source';

/**
 * An in-memory policy source for tests, checked against the same contract tests as the OS sources.
 * Raw values go through the same schema, so an out-of-schema test policy fails as a real one would.
 * Never used by the app.
 */
export class MemoryPolicySource implements PolicySource {
  readonly description = 'test policy';
  private machine: PolicyLayer = EMPTY_LAYER;
  private user: PolicyLayer = EMPTY_LAYER;
  private readonly listeners = new Set<() => void>();

  constructor(initial: { machine?: unknown; user?: unknown } = {}) {
    this.set(initial);
  }

  /** Replaces the given levels (raw, as an admin would write them) and notifies watchers. */
  set(levels: { machine?: unknown; user?: unknown }): void {
    if ('machine' in levels) this.machine = this.parse(levels.machine, 'machine');
    if ('user' in levels) this.user = this.parse(levels.user, 'user');
    for (const listener of [...this.listeners]) listener();
  }

  read(): Promise<PolicyRead> {
    return Promise.resolve({ machine: this.machine, user: this.user });
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private parse(raw: unknown, level: string): PolicyLayer {
    return raw === undefined || raw === null
      ? EMPTY_LAYER
      : parsePolicyLayer(raw, `the ${level} test policy`);
  }
}
