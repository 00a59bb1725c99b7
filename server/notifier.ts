/**
 * Wakes long-polls. Pushes handled by this instance wake its waiters at once; pushes that landed on
 * another instance (shared PostgreSQL) are seen by the waiters' periodic storage check, so the server
 * stays stateless.
 */
export class DeltaNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves at the next local push to `workspaceId`, after `ms`, or when the notifier closes. */
  next(workspaceId: string, ms: number, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(workspaceId);
      if (!set) {
        set = new Set();
        this.waiters.set(workspaceId, set);
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const s = this.waiters.get(workspaceId);
        s?.delete(done);
        if (s?.size === 0) this.waiters.delete(workspaceId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      set.add(done);
    });
  }

  notify(workspaceId: string): void {
    const set = this.waiters.get(workspaceId);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  get closing(): boolean {
    return this.closed;
  }

  /** Wakes every waiter (server shutdown) and refuses new waits. */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
