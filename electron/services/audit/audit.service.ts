import {
  auditEventInputSchema,
  auditEventSchema,
  type AuditEvent,
  type AuditEventInput,
  type AuditVerifyOutput,
} from '../../../shared/audit/audit.schemas';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/database';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../log/logger';
import type { VaultAccess } from '../vault/vault.access';
import { VaultRepository } from '../vault/vault.repository';
import { decodeEntry, deriveAuditKeys, genesisHash, hex, zeroAuditKeys } from './audit.chain';
import { AuditKeyring } from './audit.keyring';
import { newMembershipEvents } from './audit.membership';
import { PendingQueue } from './audit.pending';
import { AuditRepository, type AuditFilter } from './audit.repository';
import { AuditSession, type AuditAppend } from './audit.session';

/**
 * The seam every service records security events through. `record` never throws and never blocks:
 * a failure to record is logged (by type only), the action it describes is not undone.
 */
export interface AuditSink {
  record(event: AuditEventInput): void;
}

/** An event sink that keeps nothing (unit tests of other modules). */
export const nullAuditSink: AuditSink = { record: () => undefined };

export interface AuditServiceOptions {
  readonly vault: VaultAccess;
  readonly keychain: Keychain;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Sign a checkpoint after this many events (and always on lock). */
  readonly checkpointEvery?: number;
  /** Called after each verification (unlock, on demand) with its result. */
  readonly onVerified?: (report: AuditVerifyOutput) => void;
  /**
   * Runs an append now, or once the vault can be written (a database worker's import holds the
   * write lock: a synchronous insert on main's connection would freeze the event loop in SQLite's
   * busy handler). Default: now.
   */
  readonly whenWritable?: (append: () => void) => void;
}

const DEFAULT_CHECKPOINT_EVERY = 16;

/**
 * The tamper-evident security log inside the vault: a hash chain whose every entry also carries a
 * MAC, with Ed25519-signed checkpoints, keyed by a per-vault audit secret that lives in the OS
 * keychain (not in the database), and the last checkpoint anchored there too. See docs/SECURITY.md
 * for what that detects and what it does not.
 */
export class AuditService implements AuditSink {
  private session: AuditSession | null = null;
  private opening: Promise<void> | null = null;
  private generation = 0;
  private rewindExpected = 0;
  private rewoundFrom: number | null = null;
  private lastVaultId: string | null = null;
  private readonly keyring: AuditKeyring;
  private readonly pending: PendingQueue;

  constructor(private readonly options: AuditServiceOptions) {
    this.keyring = new AuditKeyring(options.keychain);
    this.pending = new PendingQueue(options.dataDir);
    options.vault.onUnlocked((db) => {
      const generation = ++this.generation;
      // Read now: the restore or recovery that opened this copy may finish before the keychain answers.
      const rewinding = this.rewindExpected > 0;
      this.opening = this.open(db, generation, rewinding).catch((error: unknown) => {
        const code = error instanceof AppError ? error.code : 'INTERNAL';
        options.logger.log('error', 'audit.openFailed', { code });
      });
    });
    options.vault.onLocking(() => this.close());
  }

  /** Appends now while the log is open; otherwise queues it for the next unlock. */
  record(event: AuditEventInput): void {
    try {
      const time = event.time ?? this.options.now();
      const session = this.session;
      if (!session) {
        const parsed = auditEventInputSchema.parse({ ...event, time });
        // "While locked" only when it was (not while the log opens just after an unlock), and not
        // on the lock itself, which is always recorded that way.
        const locked = !this.options.vault.isUnlocked() && parsed.type !== 'vault.lock';
        this.pending.add({
          ...parsed,
          details: locked ? { ...parsed.details, queued: true } : parsed.details,
          time,
        });
        return;
      }
      const parsed = { ...auditEventInputSchema.parse(event), time };
      const append = () => {
        // The vault may have locked while the append waited: then it joins the queue instead.
        if (this.session === session) this.append(session, parsed);
        else this.record(parsed);
      };
      if (this.options.whenWritable) this.options.whenWritable(() => this.guarded(append, event.type));
      else append();
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      this.options.logger.log('error', 'audit.recordFailed', { type: event.type, code });
    }
  }

  private guarded(append: () => void, type: string): void {
    try {
      append();
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      this.options.logger.log('error', 'audit.recordFailed', { type, code });
    }
  }

  /**
   * The next unlock may open an older copy of the log (a restore, a recovery): within `run`, a log
   * behind the keychain's anchor is accepted, re-anchored, and the rewind recorded on the event.
   */
  async expectingRewind<T>(run: () => Promise<T>): Promise<T> {
    this.rewindExpected += 1;
    try {
      return await run();
    } finally {
      this.rewindExpected -= 1;
    }
  }

  async list(
    filter: AuditFilter,
    limit: number,
  ): Promise<{ events: AuditEvent[]; nextBefore: number | null; total: number }> {
    const session = await this.ready();
    const rows = session.repo.page(filter, limit + 1);
    const events = rows.slice(0, limit).flatMap((r) => {
      const entry = decodeEntry(r.entry);
      // An entry edited into something unreadable is left out here; `verify` names it.
      return entry ? [auditEventSchema.parse({ ...entry, hash: hex(new Uint8Array(r.hash)) })] : [];
    });
    const last = rows[limit - 1];
    return {
      events,
      nextBefore: rows.length > limit && last ? last.seq : null,
      total: session.repo.count(filter),
    };
  }

  /** Matching events oldest first, for the exports. */
  async *matching(filter: AuditFilter): AsyncGenerator<AuditEvent> {
    const session = await this.ready();
    for (const r of session.repo.matching(filter)) {
      const entry = decodeEntry(r.entry);
      if (entry) yield auditEventSchema.parse({ ...entry, hash: hex(new Uint8Array(r.hash)) });
    }
  }

  async verify(): Promise<AuditVerifyOutput> {
    return this.verifySession(await this.ready());
  }

  vaultUnlocked(): boolean {
    return this.options.vault.isUnlocked();
  }

  /** The sync module reported progress: turn membership entries other devices signed into events. */
  membershipMaybeChanged(): void {
    const session = this.session;
    if (!session) return;
    try {
      this.recordMembership(session);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      this.options.logger.log('warn', 'audit.membershipFailed', { code });
    }
  }

  /**
   * The vault was destroyed (a revoked device): its audit entry leaves the keychain and the queue
   * is emptied, so nothing of the old vault's log outlives it or joins a vault set up later.
   */
  wiped(): void {
    const vaultId = this.lastVaultId;
    this.pending.clear();
    if (!vaultId) return;
    this.keyring.forget(vaultId).catch(() => {
      this.options.logger.log('warn', 'audit.wipeKeychainFailed', {});
    });
  }

  /** Resolves when the queued keychain writes (anchors) have landed. */
  settled(): Promise<void> {
    return this.keyring.settled();
  }

  /** Waits for queued keychain writes (the anchor written on lock). */
  async dispose(): Promise<void> {
    this.close();
    await this.opening;
    await this.keyring.settled();
  }

  // ---- internals ----

  private async ready(): Promise<AuditSession> {
    await this.opening;
    if (this.session) return this.session;
    if (this.options.vault.isUnlocked()) {
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        'The security log key could not be read from the OS keychain',
      );
    }
    // VAULT_NOT_SET_UP before there is a vault, VAULT_LOCKED otherwise.
    this.options.vault.db();
    throw new AppError('VAULT_LOCKED', 'Unlock the vault to read its security log');
  }

  private async open(db: Db, generation: number, rewinding: boolean): Promise<void> {
    const vaultId = new VaultRepository(db).vaultId();
    if (!vaultId) return;
    this.lastVaultId = vaultId;
    const repo = new AuditRepository(db);
    const last = repo.last();
    let entry = await this.keyring.load(vaultId);
    let created = false;
    if (!entry) {
      // First unlock, or a keychain that lost the entry: earlier entries keep only their hash chain.
      entry = this.keyring.fresh((last?.seq ?? 0) + 1, last?.hash ?? genesisHash(vaultId));
      await this.keyring.store(vaultId, entry);
      created = true;
    }
    if (generation !== this.generation || !this.options.vault.isUnlocked()) {
      entry.secret.fill(0);
      return;
    }
    const session = new AuditSession(
      db,
      repo,
      vaultId,
      deriveAuditKeys(entry.secret),
      entry,
      { seq: last?.seq ?? 0, head: last?.hash ?? genesisHash(vaultId) },
      {
        keyring: this.keyring,
        logger: this.options.logger,
        now: this.options.now,
        checkpointEvery: this.options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
      },
    );
    if (rewinding && entry.anchor.seq > session.lastSeq) {
      // A restore or a recovery opened an older copy on purpose: anchor where that copy ends.
      this.rewoundFrom = entry.anchor.seq;
      session.entry = { ...entry, anchor: { seq: session.lastSeq, head: session.head } };
      session.storeEntry();
    }
    // Checked before anything is appended, so new entries never paper over a cut tail.
    session.breakAtOpen = session.check().firstBreak;
    this.session = session;
    if (created) {
      this.append(session, {
        type: 'audit.keyCreated',
        outcome: 'ok',
        actor: { kind: 'this-device' },
        details: {},
        time: this.options.now(),
      });
    }
    this.flushPending(session);
    this.recordMembership(session);
    if (session.breakAtOpen) {
      // Kept in the log itself: a later checkpoint moves the anchor on, this entry stays.
      this.options.logger.log('warn', 'audit.chainBroken', { ...session.breakAtOpen });
      this.append(session, {
        type: 'audit.chainBroken',
        outcome: 'failed',
        actor: { kind: 'this-device' },
        details: { breakKind: session.breakAtOpen.kind, breakSeq: session.breakAtOpen.seq },
        time: this.options.now(),
      });
    }
    this.verifySession(session);
  }

  private recordMembership(session: AuditSession): void {
    session.db.transaction(() => {
      for (const event of newMembershipEvents(session.db, session.repo)) {
        this.append(session, { ...auditEventInputSchema.parse(event), time: this.options.now() });
      }
    })();
  }

  private flushPending(session: AuditSession): void {
    const { events, damaged } = this.pending.read();
    if (events.length === 0 && damaged === 0) return;
    session.db.transaction(() => {
      for (const event of events) this.appendRow(session, event);
    })();
    this.pending.clear();
    if (damaged > 0) this.options.logger.log('warn', 'audit.pendingDamaged', { damaged });
    session.checkpointIfDue(true);
  }

  private append(session: AuditSession, event: AuditAppend): void {
    this.appendRow(session, event);
    session.checkpointIfDue(false);
  }

  /** Appends one row; a restore's or recovery's event names the seq the log was rewound from. */
  private appendRow(session: AuditSession, event: AuditAppend): void {
    const details = { ...event.details };
    if (this.rewoundFrom !== null && (event.type === 'vault.restore' || event.type === 'recovery.used')) {
      details.rewoundFromSeq = this.rewoundFrom;
      this.rewoundFrom = null;
    }
    session.appendRow({ ...event, details });
  }

  /** The check now, merged with what the check at unlock found (a break found then stays reported). */
  private verifySession(session: AuditSession): AuditVerifyOutput {
    const report = session.check();
    // A tie goes to the break found at unlock (it names what was done before anything was appended).
    const breaks = [session.breakAtOpen, report.firstBreak].filter((b) => b !== null);
    breaks.sort((a, b) => a.seq - b.seq);
    const firstBreak = breaks[0] ?? null;
    const out: AuditVerifyOutput = {
      status: firstBreak ? 'broken' : 'intact',
      events: report.events,
      checkpoints: report.checkpoints,
      signedThrough: report.signedThrough,
      firstBreak: firstBreak ? { ...firstBreak } : null,
      verifiedAt: this.options.now(),
    };
    this.options.onVerified?.(out);
    return out;
  }

  /** Before the database closes: checkpoint what is not yet signed, then zero the keys. */
  private close(): void {
    this.generation += 1;
    const session = this.session;
    if (!session) return;
    this.session = null;
    try {
      session.checkpointIfDue(true);
    } catch {
      this.options.logger.log('warn', 'audit.lockCheckpointFailed', {});
    }
    zeroAuditKeys(session.keys);
    session.entry.secret.fill(0);
  }
}
