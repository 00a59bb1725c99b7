import { Worker } from 'node:worker_threads';
import { AppError, isErrorCode } from '../../../shared/errors';
import type { Logger } from '../log/logger';
import {
  CONTROL_CANCEL,
  CONTROL_LOCKED,
  type DbJob,
  type DbWorkerJobMessage,
  type DbWorkerFault,
  type DbWorkerMessage,
} from './db.worker.protocol';
import type { WriteGate } from './write.gate';

/** Where a worker gets the vault from: the database file and a fresh copy of its key (VAULT_LOCKED if locked). */
export interface DbKeySource {
  keyForWorker(): { readonly file: string; readonly key: Uint8Array };
}

export interface DbWorkersOptions {
  readonly keys: DbKeySource;
  readonly gate: WriteGate;
  readonly logger: Logger;
  /** Main's clock (the worker stamps with it, shifted by the offset at start). */
  readonly now: () => number;
  /**
   * The worker's entry script. Default: `db.worker.ts` beside this file when running from source
   * (tsx, vitest), `db.worker.js` beside the bundle otherwise; the app's shell passes its own.
   */
  readonly workerUrl?: URL;
  /** Tests only: make the worker fail on purpose. */
  readonly fault?: DbWorkerFault;
}

/** What a job gave back. */
export interface DbJobResult {
  readonly value: unknown;
  /** The newest HLC the worker stamped (null: it stamped nothing). */
  readonly lastHlc: string | null;
}

/** A job in flight. */
export interface DbJobHandle {
  readonly result: Promise<DbJobResult>;
  /** Asks the job to stop and roll back (it then fails with IMPORT_CANCELLED). */
  cancel(): void;
}

interface Running {
  readonly flags: Int32Array;
  worker: Worker | null;
  stop: 'cancel' | 'lock' | null;
}

/** A started thread and the job it runs now (null: idle, holding no key and no connection). */
interface Thread {
  readonly worker: Worker;
  job: ((message: DbWorkerMessage | { readonly type: 'exit'; readonly code: number }) => void) | null;
}

const LOCKED_MESSAGE = 'The vault was locked; the task stopped and changed nothing';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

function crashed(): AppError {
  return new AppError(
    'DB_WORKER_FAILED',
    'The background database task stopped before it finished; its changes were rolled back',
  );
}

/**
 * Runs heavy vault work on worker threads, each job on its own connection to the same encrypted
 * database (WAL: main keeps reading meanwhile). A job that writes holds the write gate exclusively,
 * so main's writers wait for it instead of blocking the event loop on SQLite's lock. The key goes to
 * the worker with each job as a transferred copy of its bytes; the worker zeroes it once SQLite has
 * it and closes the connection when the job ends. One idle thread is kept for the next job (its
 * modules loaded, no key, no connection). A lock stops everything at once: flags set, every thread
 * terminated, which closes a running job's connection and rolls back its open transaction.
 */
export class DbWorkers {
  private readonly running = new Set<Running>();
  private idle: Thread | null = null;
  private readonly threads = new Set<Thread>();

  constructor(private readonly options: DbWorkersOptions) {}

  /**
   * Starts `job`; with `writes`, after main's writes in progress and before any that follow
   * (`'upgrade'`: from inside the caller's own shared hold of the gate, see `WriteGate.upgrade`).
   */
  run(
    job: DbJob,
    options: {
      readonly writes: boolean | 'upgrade';
      readonly onEvent: (event: string, payload: unknown) => void;
    },
  ): DbJobHandle {
    const state: Running = { flags: new Int32Array(new SharedArrayBuffer(4)), worker: null, stop: null };
    // Known from now on, so a lock while the job waits for the gate stops it too.
    this.running.add(state);
    const start = () => this.start(job, state, options.onEvent);
    const { gate } = this.options;
    const result =
      options.writes === 'upgrade' ? gate.upgrade(start) : options.writes ? gate.exclusive(start) : start();
    return {
      result,
      cancel: () => {
        if (state.stop) return;
        state.stop = 'cancel';
        Atomics.store(state.flags, 0, CONTROL_CANCEL);
      },
    };
  }

  /** How many jobs are running or waiting for the gate. */
  get active(): number {
    return this.running.size;
  }

  /** How many threads exist (running a job or idle). */
  get threadCount(): number {
    return this.threads.size;
  }

  /**
   * The vault is locking: every job stops now and every thread ends (a running job's connection
   * closes and rolls back whatever was not committed); a job still waiting for the gate never starts.
   */
  lockAll(): void {
    for (const state of this.running) {
      state.stop = 'lock';
      Atomics.store(state.flags, 0, CONTROL_LOCKED);
    }
    this.idle = null;
    for (const thread of this.threads) void thread.worker.terminate();
  }

  private thread(): Thread {
    const idle = this.idle;
    this.idle = null;
    if (idle) return idle;
    const worker = new Worker(this.options.workerUrl ?? defaultWorkerUrl(), {
      ...(FROM_SOURCE && !process.execArgv.some((a) => a.includes('tsx'))
        ? { execArgv: ['--import', 'tsx'] }
        : {}),
    });
    const thread: Thread = { worker, job: null };
    this.threads.add(thread);
    worker.on('message', (message: DbWorkerMessage) => thread.job?.(message));
    worker.on('error', (error: Error) => {
      this.options.logger.log('error', 'dbWorker.failed', { kind: error.name });
    });
    worker.on('exit', (code) => {
      this.threads.delete(thread);
      if (this.idle === thread) this.idle = null;
      thread.job?.({ type: 'exit', code });
    });
    return thread;
  }

  /** Back to idle after a job, or ended when one thread is idle already. */
  private release(thread: Thread): void {
    thread.job = null;
    if (this.idle === null && this.threads.has(thread)) {
      this.idle = thread;
      // An idle thread does not keep the process alive.
      thread.worker.unref();
    } else void thread.worker.terminate();
  }

  private start(
    job: DbJob,
    state: Running,
    onEvent: (event: string, payload: unknown) => void,
  ): Promise<DbJobResult> {
    return new Promise<DbJobResult>((resolve, reject) => {
      let thread: Thread | null = null;
      let settled = false;
      const settle = (error: AppError | null, value?: DbJobResult) => {
        if (settled) return;
        settled = true;
        this.running.delete(state);
        if (thread) this.release(thread);
        if (error || !value) reject(error ?? crashed());
        else resolve(value);
      };
      if (state.stop === 'lock') return settle(new AppError('VAULT_LOCKED', LOCKED_MESSAGE));
      if (state.stop === 'cancel')
        return settle(new AppError('IMPORT_CANCELLED', 'The import was cancelled; nothing was imported'));
      let source: { readonly file: string; readonly key: Uint8Array };
      try {
        source = this.options.keys.keyForWorker();
      } catch (error) {
        return settle(
          error instanceof AppError ? error : new AppError('VAULT_LOCKED', 'The vault is locked'),
        );
      }
      try {
        thread = this.thread();
      } catch (error) {
        source.key.fill(0);
        this.options.logger.log('error', 'dbWorker.startFailed', {
          kind: error instanceof Error ? error.name : 'unknown',
        });
        return settle(crashed());
      }
      const current = thread;
      state.worker = current.worker;
      current.worker.ref();
      current.job = (message) => {
        switch (message.type) {
          case 'event':
            onEvent(message.event, message.payload);
            break;
          case 'log':
            this.options.logger.log(message.level, message.event, message.fields);
            break;
          case 'keyed':
            if (!message.keyZeroed) this.options.logger.log('error', 'dbWorker.keyNotZeroed', {});
            break;
          case 'done':
            settle(null, { value: message.value, lastHlc: message.lastHlc });
            break;
          case 'failed':
            settle(
              isErrorCode(message.error.code)
                ? new AppError(message.error.code, message.error.message)
                : new AppError('INTERNAL', 'Internal error'),
            );
            break;
          case 'exit':
            if (state.stop === 'lock') settle(new AppError('VAULT_LOCKED', LOCKED_MESSAGE));
            else {
              this.options.logger.log('error', 'dbWorker.exited', { code: message.code });
              settle(crashed());
            }
            break;
        }
      };
      const data: DbWorkerJobMessage = {
        type: 'job',
        file: source.file,
        key: source.key,
        control: state.flags.buffer as SharedArrayBuffer,
        job,
        clockOffsetMs: this.options.now() - Date.now(),
        ...(this.options.fault ? { fault: this.options.fault } : {}),
      };
      // The key's buffer moves to the worker: main keeps no copy (nor of a sync job's key copies).
      const pageKeys =
        job.kind === 'sync.applyPage'
          ? job.page.keys.map((k) => k.key.buffer as ArrayBuffer)
          : job.kind === 'sync.applySnapshotChunk'
            ? [job.chunk.key.buffer as ArrayBuffer]
            : [];
      current.worker.postMessage(data, [source.key.buffer as ArrayBuffer, ...pageKeys]);
    });
  }
}

function defaultWorkerUrl(): URL {
  return new URL(FROM_SOURCE ? './db.worker.ts' : './db.worker.js', import.meta.url);
}
