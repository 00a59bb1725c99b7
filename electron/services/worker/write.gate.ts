/**
 * Keeps main's writes to the vault out of a database worker's write transaction.
 *
 * SQLite has one writer per database. While the worker holds the write lock (an import's single
 * transaction, seconds long), a write on main's connection would wait in SQLite's busy handler, and
 * better-sqlite3 waits synchronously: the event loop would freeze for up to `busy_timeout` and then
 * fail with SQLITE_BUSY. So main's writers (IPC calls that may write, sync cycles) take the gate
 * `shared`, and a worker job that writes takes it `exclusive`: the job starts once the shared holders
 * have finished, and shared callers that arrive meanwhile wait until it ends. Reads never take the
 * gate: WAL lets main's connection read the last committed state while the worker writes.
 *
 * Not re-entrant, on purpose: a holder that awaited another shared call while an exclusive job is
 * queued would deadlock, so no caller nests them (the router does not gate `sync.now`, whose cycles
 * the engine gates). Re-entrancy by async context was tried and dropped: background work started
 * inside a gated call (the sync loop an unlock starts) would inherit the context and bypass the gate
 * for good. Exclusive jobs run one after another.
 *
 * A shared holder may `upgrade`: the sync cycle holds the gate shared from start to end and hands
 * each pulled page to a worker that writes it. Nothing that holds the gate waits for a sync cycle
 * (the channels that run in the engine's chain take the gate inside it, see UNGATED), so waiting for
 * the other holders to finish cannot deadlock.
 */
export class WriteGate {
  private holders = 0;
  /** Called each time a holder finishes (exclusive and upgrading callers wait for fewer holders). */
  private waiters: (() => void)[] = [];
  /** The exclusive job running or queued last; shared callers wait for it. */
  private tail: Promise<void> | null = null;
  /** A shared holder's upgraded job, running or waiting for the others; shared callers wait for it. */
  private raised: Promise<void> | null = null;

  /** Runs a main-side write, after any exclusive job queued before it. */
  async shared<T>(fn: () => Promise<T> | T): Promise<T> {
    while (this.tail || this.raised) await (this.raised ?? this.tail);
    this.holders++;
    try {
      return await fn();
    } finally {
      this.holders--;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once at most `count` holders are left. */
  private async holdersDown(count: number): Promise<void> {
    while (this.holders > count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Runs a job that writes on another connection from inside a shared hold: callers that arrive
   * meanwhile wait, and the job starts once every other holder has finished (the caller's own hold
   * counts as none). Called without a hold, it is `exclusive`.
   */
  async upgrade<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holders === 0) return this.exclusive(fn);
    while (this.raised) await this.raised;
    let release!: () => void;
    this.raised = new Promise<void>((resolve) => (release = resolve));
    try {
      await this.holdersDown(1);
      return await fn();
    } finally {
      this.raised = null;
      release();
    }
  }

  /** Runs a job that writes on another connection, once no main-side write is in progress. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tail = mine;
    const run = async (): Promise<T> => {
      try {
        if (before) await before;
        await this.holdersDown(0);
        return await fn();
      } finally {
        if (this.tail === mine) this.tail = null;
        release();
      }
    };
    return run();
  }

  /** True while an exclusive or upgraded job runs or waits to run. */
  get busy(): boolean {
    return this.tail !== null || this.raised !== null;
  }
}

/** Channels that never write the vault, those that take the gate themselves, and the lock and cancel. */
const UNGATED = new Set<string>([
  'app.info',
  'vault.status',
  // A lock must reach a running import (it cancels it); it closes main's connection, writes nothing.
  'vault.lock',
  'vault.listBackups',
  'vault.onboarding',
  'timeline.get',
  'search.query',
  'import.preview',
  // The import takes the gate itself (exclusively); its cancel must reach it while it runs.
  'import.commit',
  'import.cancel',
  'duplicates.find',
  'export.csv',
  'export.vcard',
  'privacy.exportPerson',
  'agenda.exportIcs',
  'activities.exportIcs',
  'sync.status',
  // The engine takes the gate for each cycle itself. Holding it here too would deadlock: this call's
  // cycle waits in the engine's chain behind a background cycle that waits for a queued import.
  'sync.now',
  'sync.resync',
  // It runs two cycles and its upload in the engine's chain, each taking the gate itself.
  'sync.snapshot',
  // It waits for the running cycle in the engine's chain, then takes the gate itself.
  'sync.rotateKey',
  'conflicts.list',
  'settings.get',
  'policy.get',
  'reports.dashboard',
  'reports.digest',
  'reports.drill',
  'lease.status',
  // Verifying reads the log; a broken chain it records waits for the import like any audit event.
  'audit.verify',
]);

/** Reads that write too: the device list refreshes the verified membership log into the vault. */
const GATED_READS = new Set<string>(['devices.list']);

/**
 * Whether an IPC channel goes through the write gate. Deny by default: a channel not known to be a
 * read waits for a running import (at worst a read waits needlessly; a write never blocks the loop).
 */
export function isGatedChannel(channel: string): boolean {
  if (GATED_READS.has(channel)) return true;
  if (UNGATED.has(channel)) return false;
  const verb = channel.slice(channel.lastIndexOf('.') + 1);
  return verb !== 'get' && verb !== 'list';
}
