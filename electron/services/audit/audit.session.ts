import type { auditEventInputSchema, AuditBreakKind } from '../../../shared/audit/audit.schemas';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import { buildRow, signCheckpoint, verifyChain, type AuditKeys, type ChainReport } from './audit.chain';
import type { AuditKeyEntry, AuditKeyring } from './audit.keyring';
import type { AuditRepository } from './audit.repository';

/** An event as it is appended: parsed, with its time. */
export type AuditAppend = ReturnType<typeof auditEventInputSchema.parse> & { readonly time: number };

/** What an open log needs besides its own state. */
export interface AuditSessionDeps {
  readonly keyring: AuditKeyring;
  readonly logger: Logger;
  readonly now: () => number;
  /** Sign a checkpoint after this many events (and whenever forced). */
  readonly checkpointEvery: number;
}

/**
 * The security log of one unlocked vault (AuditService holds one between unlock and lock): the
 * chain's head and keys, appending rows to the chain, signed checkpoints anchored in the keychain,
 * and the chain check.
 */
export class AuditSession {
  lastSeq: number;
  head: Uint8Array;
  /** The first break the check at unlock found (before this session appended anything). */
  breakAtOpen: { readonly seq: number; readonly kind: AuditBreakKind } | null = null;

  constructor(
    readonly db: Db,
    readonly repo: AuditRepository,
    readonly vaultId: string,
    readonly keys: AuditKeys,
    public entry: AuditKeyEntry,
    last: { readonly seq: number; readonly head: Uint8Array },
    private readonly deps: AuditSessionDeps,
  ) {
    this.lastSeq = last.seq;
    this.head = last.head;
  }

  /** Appends one row to the chain (no checkpoint). */
  appendRow(event: AuditAppend): void {
    const seq = this.lastSeq + 1;
    const row = buildRow(this.keys, this.head, {
      seq,
      time: event.time,
      type: event.type,
      actor: event.actor,
      outcome: event.outcome,
      details: event.details,
    });
    this.repo.append(row);
    this.lastSeq = seq;
    this.head = row.hash;
  }

  /** Signs (seq, head) and anchors it in the keychain, every N events or whenever `force`. */
  checkpointIfDue(force: boolean): void {
    const since = this.lastSeq - this.entry.anchor.seq;
    if (since <= 0 || (!force && since < this.deps.checkpointEvery)) return;
    const signature = signCheckpoint(this.keys, this.vaultId, this.lastSeq, this.head);
    this.repo.addCheckpoint({ seq: this.lastSeq, head: this.head, signature }, this.deps.now());
    this.entry = { ...this.entry, anchor: { seq: this.lastSeq, head: this.head } };
    this.storeEntry();
  }

  /** Writes the keychain entry (queued; a failure is logged by type only). */
  storeEntry(): void {
    this.deps.keyring.store(this.vaultId, this.entry).catch(() => {
      this.deps.logger.log('warn', 'audit.anchorWriteFailed', {});
    });
  }

  /** The whole chain checked against its keys, checkpoints and the keychain's anchor. */
  check(): ChainReport {
    return verifyChain({
      vaultId: this.vaultId,
      rows: this.repo.rows(),
      checkpoints: this.repo.checkpoints(),
      keys: this.keys,
      anchor: this.entry.anchor,
      keyFromSeq: this.entry.keyFromSeq,
    });
  }
}
