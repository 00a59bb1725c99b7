import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { Change } from './changes.validate';
import type { ApplyOptions, ApplyResult } from './changes.writer';
import type { CrmService } from './crm.service';
import { erasureOwed, settleErasure } from './erasure.marks';
import type { OpRow } from './oplog.repository';

export type { Change } from './changes.validate';
export type { ApplyResult, DetectedConflict } from './changes.writer';
export type { ErasureSink } from './changes.erasure';
export type { OpRow } from './oplog.repository';

/**
 * What sync may ask of the CRM over one open vault database, and nothing more: local changes to
 * push, remote changes to apply (through the same writer as local edits), and field writes for
 * conflict resolutions. Sync never touches CRM tables itself.
 */
export interface ChangePipeline {
  /** The CRM device id this database stamps its changes with (the HLC tie-break). */
  readonly deviceId: string;
  /**
   * Runs `fn` in one transaction; the `records.changed` event for everything applied in it follows
   * the commit. Nested calls join it; a nested call that throws rolls back only its own part.
   */
  transaction<T>(fn: () => T): T;
  /**
   * After a database worker applied changes on its own connection: this connection's clock takes in
   * the worker's newest stamp (drift-checked against `referenceMs`) and cached definitions are reread.
   */
  adoptWorkerWrites(lastHlc: string | null, referenceMs: number): void;
  /** Applies remote changes; invalid ones come back in `rejected`, unwritten. */
  applyRemote(changes: readonly Change[], options: ApplyOptions): ApplyResult;
  /** Writes one field locally under a fresh stamp (a conflict resolution); `json` is the value as JSON text. */
  writeField(entity: EntityKind, recordId: string, field: string, json: string | null): void;
  /** Pending local changes in HLC order (at most `limit`). */
  pending(limit: number): OpRow[];
  /** How many local changes the server has not acknowledged. */
  pendingCount(): number;
  /** Marks local changes (op-log seqs) as accepted by the server. */
  markPushed(seqs: readonly number[], at: number): void;
  /** The op log's largest seq: grows with every local or remote change. */
  maxSeq(): number;
  /** Rows the server holds, by record then HLC (`[opId, entity, recordId, hlc, fields]`), for a snapshot. */
  settledByRecord(): IterableIterator<[string, string, string, string, string]>;
  /** The local erasure (ms) whose server follow-up (snapshot, compaction, rotation) is owed, or null. */
  erasureOwed(): number | null;
  /** Marks that follow-up done for the erasure at `at`; a later erasure stays owed. */
  settleErasure(at: number): void;
}

/** The pipeline over a CRM service. */
export function changePipeline(crm: CrmService): ChangePipeline {
  return {
    deviceId: crm.deviceId,
    transaction: (fn) => crm.tx(fn),
    applyRemote: (changes, options) => crm.writer.apply(changes, 'remote', options),
    adoptWorkerWrites: (lastHlc, referenceMs) => crm.adoptWorkerWrites(lastHlc, referenceMs),
    writeField: (entity, recordId, field, json) => {
      crm.writeField(entity, recordId, field, json);
    },
    pending: (limit) => crm.oplog.pending(limit),
    pendingCount: () => crm.oplog.pendingCount(),
    markPushed: (seqs, at) => crm.oplog.markPushed(seqs, at),
    maxSeq: () => crm.oplog.maxSeq(),
    settledByRecord: () => crm.oplog.settledByRecord(),
    erasureOwed: () => erasureOwed(crm.db),
    settleErasure: (at) => settleErasure(crm.db, at),
  };
}
