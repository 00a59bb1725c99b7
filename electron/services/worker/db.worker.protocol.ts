import type { ErrorInfo } from '../../../shared/errors';
import type { ParsedInput } from '../../../shared/ipc/contract';
import type { CsvMembers } from '../crm/members.csv';
import type { CallContext } from '../ipc/router';
import type { LogFields, LogLevel } from '../log/logger';
import type { PageJob } from '../sync/sync.page';
import type { SnapshotChunkJob } from '../sync/sync.snapshot.chunk';

/** Work a database worker does on its own connection to the vault. */
export type DbJob =
  | {
      readonly kind: 'import.preview';
      readonly input: ParsedInput<'import.preview'>;
      /** The members owner columns name (main reads them; the worker has no membership log). */
      readonly members?: CsvMembers;
    }
  | {
      readonly kind: 'import.commit';
      readonly input: ParsedInput<'import.commit'>;
      readonly members?: CsvMembers;
    }
  | {
      readonly kind: 'export.csv';
      readonly input: ParsedInput<'export.csv'>;
      readonly call: CallContext;
      readonly members?: CsvMembers;
    }
  | { readonly kind: 'export.vcard'; readonly input: ParsedInput<'export.vcard'> }
  /** One pulled sync page, opened and applied in one transaction (its key copies are transferred). */
  | { readonly kind: 'sync.applyPage'; readonly page: PageJob }
  /** One sealed snapshot chunk, opened and applied in one transaction (its key copy is transferred). */
  | { readonly kind: 'sync.applySnapshotChunk'; readonly chunk: SnapshotChunkJob };

/** Whether a job writes the vault (it then runs holding the write gate, and checkpoints itself). */
export function jobWrites(job: DbJob): boolean {
  return (
    job.kind === 'import.commit' || job.kind === 'sync.applyPage' || job.kind === 'sync.applySnapshotChunk'
  );
}

/**
 * A test-only fault: the worker thread exits in the middle of the import's write transaction (a
 * crash of the worker). Never set by the app.
 */
export type DbWorkerFault = 'exit-while-writing';

/** One job as main posts it to an idle worker thread. */
export interface DbWorkerJobMessage {
  readonly type: 'job';
  /** The vault database file. */
  readonly file: string;
  /**
   * A copy of the vault key, transferred (its buffer moves to the worker; main keeps nothing) and
   * zeroed by the worker as soon as SQLite has it.
   */
  readonly key: Uint8Array;
  /** One Int32 shared with main: `CONTROL_RUN`, `CONTROL_CANCEL` or `CONTROL_LOCKED`. */
  readonly control: SharedArrayBuffer;
  readonly job: DbJob;
  /** Main's clock minus the worker's `Date.now()` (tests inject main's clock). */
  readonly clockOffsetMs: number;
  readonly fault?: DbWorkerFault;
}

export const CONTROL_RUN = 0;
/** The user cancelled: the job throws IMPORT_CANCELLED at its next check and rolls back. */
export const CONTROL_CANCEL = 1;
/** The vault is locking: the job throws VAULT_LOCKED at its next check and rolls back. */
export const CONTROL_LOCKED = 2;

/** Messages from a worker to main. Events are validated against the contract when main emits them. */
export type DbWorkerMessage =
  | {
      readonly type: 'event';
      readonly event: 'import.progressed' | 'records.changed';
      readonly payload: unknown;
    }
  | { readonly type: 'log'; readonly level: LogLevel; readonly event: string; readonly fields: LogFields }
  /** Sent once SQLite holds the key: every byte of the worker's copy is zero. */
  | { readonly type: 'keyed'; readonly keyZeroed: boolean }
  /** The job's result, and the newest stamp the worker's clock issued (null: none). */
  | { readonly type: 'done'; readonly value: unknown; readonly lastHlc: string | null }
  | { readonly type: 'failed'; readonly error: ErrorInfo };
