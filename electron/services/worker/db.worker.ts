import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../../shared/errors';
import { mapOpenError, openEncryptedDatabase, type Db } from '../db/database';
import type { Logger } from '../log/logger';
import { runDbJob } from './db.worker.jobs';
import {
  CONTROL_CANCEL,
  CONTROL_LOCKED,
  jobWrites,
  type DbWorkerJobMessage,
  type DbWorkerMessage,
} from './db.worker.protocol';

/*
 * The database worker's entry (a worker_threads thread). For each job main posts, it opens the vault
 * with the key that came with the job, runs the job on that connection, closes it and waits for the
 * next one: between jobs the thread holds neither a key nor a connection, so a lock or a rekey never
 * meets a second connection, and only the start of the thread (loading the modules) is reused.
 */

const port = parentPort;
if (!port) throw new Error('db.worker runs as a worker thread');

/** How much nicer than main this thread runs (Linux). */
const BACKGROUND_NICE = 10;

/**
 * Jobs are background work: on Linux this thread (only it: the nice value is per thread there) runs
 * at a lower priority, so on a busy machine main's thread and the renderer get the CPU first and a
 * bootstrap or an import takes longer instead of delaying them. Elsewhere the OS has no per-thread
 * nice value to set through Node; the thread runs at main's priority.
 */
function runInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, BACKGROUND_NICE);
  } catch {
    // No /proc, or a sandbox that refuses it: the thread keeps main's priority.
  }
}
runInBackground();
const post = (message: DbWorkerMessage): void => port.postMessage(message);

const logger: Logger = {
  log: (level, event, fields = {}) => post({ type: 'log', level, event, fields }),
  child: () => logger,
};

/**
 * The IPC-safe form of a failure, as the router would answer it in main: AppErrors as they are, a
 * damaged store or a full disk by meaning, anything else INTERNAL; never SQLite's text.
 */
function toInfo(error: unknown): ErrorInfo {
  if (error instanceof AppError) return error.toInfo();
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_CORRUPT_VTAB' || code === 'SQLITE_NOTADB')
    return { code: 'CORRUPT_STORE', message: 'The vault database is damaged: restore a backup' };
  if (code === 'SQLITE_FULL')
    return { code: 'DISK_FULL', message: 'The disk is full: free some space and retry' };
  return { code: 'INTERNAL', message: 'Internal error' };
}

async function runJob(data: DbWorkerJobMessage): Promise<void> {
  const control = new Int32Array(data.control);
  let db: Db | null = null;
  try {
    try {
      db = openEncryptedDatabase(data.file, data.key);
    } catch (error) {
      throw mapOpenError(error);
    } finally {
      // SQLite copied the key into its cipher context; this copy goes now, opened or not.
      data.key.fill(0);
    }
    post({ type: 'keyed', keyZeroed: data.key.every((b) => b === 0) });
    const writes = jobWrites(data.job);
    // The commit would checkpoint only what no reader of main still needs, leaving the rest for
    // main's next commit to copy (a stall there); the job checkpoints all of it itself below.
    if (writes) db.pragma('wal_autocheckpoint = 0');
    const { value, lastHlc } = await runDbJob(db, data.job, {
      cancelled: () => Atomics.load(control, 0) === CONTROL_CANCEL,
      closed: () => Atomics.load(control, 0) === CONTROL_LOCKED,
      emit: (event, payload) => {
        if (data.fault === 'exit-while-writing' && event === 'import.progressed') {
          const done = (payload as { done?: unknown }).done;
          if (typeof done === 'number' && done > 0 && db?.inTransaction) process.exit(70);
        }
        post({ type: 'event', event, payload });
      },
      logger,
      now: () => Date.now() + data.clockOffsetMs,
    });
    // Still holding the write gate: copy the whole WAL into the database and truncate it, waiting
    // (in this thread) for main's short reads; main's writes wait at the gate, not on SQLite's lock.
    if (writes) db.pragma('wal_checkpoint(TRUNCATE)');
    // Closed before main hears of the result, so the next job never meets this connection.
    db.close();
    db = null;
    post({ type: 'done', value, lastHlc });
  } catch (error) {
    post({ type: 'failed', error: toInfo(error) });
  } finally {
    // The workspace keys a sync page came with (applying zeroes them; a failure to open may not).
    if (data.job.kind === 'sync.applyPage') for (const k of data.job.page.keys) k.key.fill(0);
    // Closing rolls back anything uncommitted and drops SQLite's copy of the key.
    db?.close();
  }
}

// One job at a time: main posts the next only after this one answered.
port.on('message', (message: DbWorkerJobMessage) => {
  if (message.type === 'job') void runJob(message);
});
