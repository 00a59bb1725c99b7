import type { EntityKind } from '../../../shared/domain/crm.schemas';
import { CUSTOM_VALUES_FIELD, customIdOf, withCustomText } from '../../../shared/domain/custom-fields';
import { AppError } from '../../../shared/errors';
import { RECORDS_CHANGED_MAX_IDS } from '../../../shared/ipc/channels/crm.channels';
import type { EventPayload } from '../../../shared/ipc/contract';
import type { Db } from '../db/database';
import { holdSecureDelete } from '../db/secure-delete';
import { ChangesRepository } from './changes.repository';
import { validateChange, type Change, type InvalidReason, type ValidChange } from './changes.validate';
import { erasureOf, mayErase, type ErasureSink } from './changes.erasure';
import { observeRemoteHlc } from './crm.clock';
import type { EntityDef, SearchDoc } from './crm.entities';
import { applyFresh, freshAmong, freshEligible, type FreshApplied } from './changes.fresh';
import { CustomFieldsRepository } from './custom-fields.repository';
import { buildRow, winnersOf, type Winner } from './changes.winners';
import { compactApplied, restoreElided } from './oplog.elided';
import { RecordsRepository, type RecordData } from './records.repository';
import { ReportingDerivedRepository } from './reporting.derived.repository';
import { SearchRepository } from './search.repository';

export type ChangeOrigin = 'local' | 'remote';
export type RecordsChanged = EventPayload<'records.changed'>;

/** One side of a detected conflict. */
export interface ConflictSide {
  /** The value as JSON text. */
  readonly value: string | null;
  readonly hlc: string;
  readonly deviceId: string;
}

/** Two concurrent values of an important field; `current` is the one last-writer-wins keeps. */
export interface DetectedConflict {
  readonly entity: string;
  readonly recordId: string;
  readonly field: string;
  readonly current: ConflictSide;
  readonly other: ConflictSide;
}

export interface ApplyOptions {
  /**
   * Remote only: whether the local op at op-log `seq` (already pushed) was unknown to the device that
   * wrote `change`; such pairs on conflict-worthy fields are conflicts too.
   */
  readonly unseenLocal?: (localSeq: number, change: Change) => boolean;
  /** Remote only: the trusted time the stamps were drift-checked against (see observeRemoteHlc). */
  readonly referenceMs?: number;
}

export interface ApplyResult {
  /** Changes new to this replica. */
  readonly added: number;
  /** Changes already in the log (duplicate deliveries). */
  readonly duplicates: number;
  readonly conflicts: DetectedConflict[];
  /** Remote changes refused by validation (nothing of them was written). */
  readonly rejected: { change: Change; reason: InvalidReason }[];
  /** Every record written, as the API shows it now. */
  readonly records: Map<string, RecordData>;
}

/**
 * The one writer of CRM records. Every change, a local edit, a remote op pulled by sync or a
 * conflict resolution, goes through `apply`: it validates each value with the registry's zod field
 * schema, appends the change to the op log (pending when local, applied when remote; duplicates are
 * ignored), and rebuilds the record row from the log's per-field winners by full HLC order, so a row
 * (values, `createdAt/By`, `updatedAt/By`) and its search document are a function of the log alone:
 * identical on every replica whatever the delivery order. After the outermost transaction commits,
 * one `records.changed` event per origin says which records changed.
 */
export class ChangeWriter {
  readonly repo: ChangesRepository;
  private readonly records: RecordsRepository;
  private readonly search: SearchRepository;
  /** Custom field definitions: what `cf:<id>` values are checked against. */
  readonly customFields: CustomFieldsRepository;
  /** The dashboard's derived tables, written with each deal and activity (crm migration 13). */
  readonly derived: ReportingDerivedRepository;
  /**
   * Whether rows applied from the server drop the values their record row holds (oplog.elided.ts).
   * False keeps every value: today's layout, which the compaction test and the bench compare with.
   */
  compactApplied = true;
  /**
   * Whether remote changes of records never seen here take the set-based path (changes.fresh.ts).
   * False sends every record through the per-record path: the equivalence test compares the two.
   */
  freshPath = true;
  private depth = 0;
  /** Puts secure_delete back after the outermost transaction (a pulled erasure turned it on). */
  private releaseSecureDelete: (() => void) | null = null;
  private touched = new Map<ChangeOrigin, Map<EntityKind, Set<string>>>();

  constructor(
    readonly db: Db,
    private readonly emit: (event: RecordsChanged) => void = () => undefined,
    shared?: { records: RecordsRepository; search: SearchRepository },
    private readonly erasure: ErasureSink = () => undefined,
  ) {
    this.repo = new ChangesRepository(db);
    this.records = shared?.records ?? new RecordsRepository(db);
    this.search = shared?.search ?? new SearchRepository(db);
    this.customFields = new CustomFieldsRepository(db, this.records);
    this.derived = new ReportingDerivedRepository(db);
  }

  /**
   * Runs `fn` in one transaction; inside another one it is a savepoint (a throw rolls back only its
   * own part). `records.changed` follows the outermost commit.
   */
  tx<T>(fn: () => T): T {
    this.depth++;
    let ok = false;
    try {
      const result = this.db.transaction(fn)();
      ok = true;
      return result;
    } finally {
      this.depth--;
      // Inside a transaction the writer does not own, the notes wait for the next commit it sees.
      if (this.depth === 0 && !this.db.inTransaction) {
        this.releaseSecureDelete?.();
        this.releaseSecureDelete = null;
        const touched = this.touched;
        this.touched = new Map<ChangeOrigin, Map<EntityKind, Set<string>>>();
        if (ok) this.flush(touched);
      }
    }
  }

  /** Notes records written outside `apply` (the bulk import path) for the next `records.changed`. */
  noteWritten(origin: ChangeOrigin, entity: EntityKind, ids: Iterable<string>): void {
    let byEntity = this.touched.get(origin);
    if (!byEntity) this.touched.set(origin, (byEntity = new Map<EntityKind, Set<string>>()));
    let set = byEntity.get(entity);
    if (!set) byEntity.set(entity, (set = new Set<string>()));
    for (const id of ids) set.add(id);
  }

  private flush(touched: Map<ChangeOrigin, Map<EntityKind, Set<string>>>): void {
    for (const [origin, byEntity] of touched) {
      const changes = [...byEntity].map(([entity, ids]) => ({
        entity,
        ids: [...ids].slice(0, RECORDS_CHANGED_MAX_IDS),
        truncated: ids.size > RECORDS_CHANGED_MAX_IDS,
      }));
      if (changes.length > 0) this.emit({ origin, changes });
    }
  }

  /**
   * Applies changes in one transaction. Local changes must validate (VALIDATION otherwise: the IPC
   * schemas already checked them); remote ones that do not are returned in `rejected`, unwritten,
   * for the caller to quarantine.
   */
  apply(changes: readonly Change[], origin: ChangeOrigin, options: ApplyOptions = {}): ApplyResult {
    // A pulled erasure zeroes what it overwrites in the file, as a local one does (privacy.service.ts),
    // up to the outermost commit, where FTS5 writes its index.
    if (origin === 'remote' && this.releaseSecureDelete === null && changes.some(mayErase))
      this.releaseSecureDelete = holdSecureDelete(this.db);
    return this.tx(() => {
      this.customFields.invalidate();
      // Definitions first: a value in the same batch (one delta) may name a field defined in it.
      const defs = changes.filter((c) => c.entity === 'customField');
      if (defs.length === 0) return this.applyInTx(changes, origin, options);
      const first = this.applyInTx(defs, origin, options);
      this.customFields.invalidate();
      const rest = this.applyInTx(
        changes.filter((c) => c.entity !== 'customField'),
        origin,
        options,
      );
      return {
        added: first.added + rest.added,
        duplicates: first.duplicates + rest.duplicates,
        conflicts: [...first.conflicts, ...rest.conflicts],
        rejected: [...first.rejected, ...rest.rejected],
        records: new Map([...first.records, ...rest.records]),
      };
    });
  }

  /** A definition's entity and kind are fixed once it exists: a change to either is refused. */
  private redefines(change: ValidChange): boolean {
    if (change.entity !== 'customField' || !change.values) return false;
    const current = this.customFields.definition(change.recordId);
    if (!current) return false;
    const { entity, kind } = change.values;
    return (
      (entity !== undefined && entity !== current.entity) || (kind !== undefined && kind !== current.kind)
    );
  }

  private applyInTx(changes: readonly Change[], origin: ChangeOrigin, options: ApplyOptions): ApplyResult {
    const rejected: ApplyResult['rejected'] = [];
    const byRecord = new Map<string, ValidChange[]>();
    const lookup = (entity: string, id: string) => this.customFields.spec(entity, id);
    for (const change of changes) {
      const checked = validateChange(change, lookup);
      const valid = typeof checked !== 'string' && this.redefines(checked) ? 'bad_value' : checked;
      if (typeof valid === 'string') {
        if (origin === 'local') throw new AppError('VALIDATION', `A ${change.entity} change is not valid`);
        rejected.push({ change, reason: valid });
        continue;
      }
      const list = byRecord.get(change.recordId);
      if (list) list.push(valid);
      else byRecord.set(change.recordId, [valid]);
    }
    let added = 0;
    let duplicates = 0;
    let newest: string | null = null;
    const conflicts: DetectedConflict[] = [];
    const records = new Map<string, RecordData>();
    if (origin === 'remote' && this.freshPath) {
      // Records this replica has never seen (a bootstrap's bulk) go in set-based, with the same rows.
      const fresh = this.applyFresh(byRecord);
      if (fresh) {
        ({ added, duplicates, newest } = fresh);
        for (const [id, record] of fresh.records) records.set(id, record);
      }
    }
    for (const [recordId, list] of byRecord) {
      const log = this.repo.log(recordId);
      const def = list[0]!.def;
      const state = origin === 'local' ? 'pending' : 'applied';
      // An erasure, logged or in this batch, wins over every older change, logged or arriving: such
      // a change keeps no values, wins no field (a custom one the eraser never saw included) and
      // makes no conflict, so no delivery order brings the person back, here or as a side to pick.
      const erasedAt = erasureOf(log, list, def);
      const live = erasedAt === null ? log : log.filter((r) => r.hlc >= erasedAt);
      const base = live.some((r) => r.elided !== null) ? this.records.get(def, recordId) : null;
      const winners = winnersOf(live, base);
      const written = new Set<string>();
      let wrote = 0;
      const addedChanges: ValidChange[] = [];
      for (const change of list) {
        const known = log[0]?.entity ?? def.kind;
        if (change.def !== def || known !== def.kind) {
          if (origin === 'local') throw new AppError('VALIDATION', 'A change names the wrong entity');
          rejected.push({ change, reason: 'entity_mismatch' });
          continue;
        }
        const dominated = erasedAt !== null && change.hlc < erasedAt;
        if (!this.repo.addOp(dominated ? { ...change, fields: null } : change, state)) {
          duplicates++;
          continue;
        }
        added++;
        wrote++;
        if (newest === null || change.hlc > newest) newest = change.hlc;
        if (dominated) continue;
        addedChanges.push(change);
        const values = change.values ?? {};
        for (const [field, value] of Object.entries(values)) {
          written.add(field);
          const mine: Winner = {
            seq: -1,
            hlc: change.hlc,
            value,
            json: JSON.stringify(value),
            deviceId: change.deviceId,
            syncState: state,
          };
          const cur = winners.get(field);
          if (origin === 'remote') this.detect(def, change, field, mine, cur, conflicts, options);
          if (!cur || change.hlc > cur.hlc) winners.set(field, mine);
        }
      }
      if (wrote === 0) continue;
      // Before the row changes: a field written now is no longer elided where its row value was.
      // Rows an erasure is about to blank get nothing back (no copy of an erased value is written).
      if (base) restoreElided(live, written, base, (seq, f, e) => this.repo.restoreValues(seq, f, e));
      if (erasedAt !== null) {
        this.repo.scrubOlder(recordId, erasedAt);
        this.erasure(this.db, recordId, erasedAt);
      }
      const stamps = [...log.map((r) => r.hlc), ...list.map((c) => c.hlc)];
      const record = this.materialise(def, recordId, winners, stamps);
      records.set(recordId, record);
      // The server holds what it sent: those rows keep only what their record row does not.
      if (origin === 'remote' && this.compactApplied) {
        compactApplied(
          def,
          addedChanges,
          (f) => winners.get(f)?.hlc,
          record,
          (hlc, c) => this.repo.compactAt(recordId, hlc, c.fields, c.elided),
        );
      }
      this.noteWritten(origin, def.kind, [recordId]);
    }
    // HLC receive: the next local stamp sorts above every value applied here (inside the transaction:
    // a rollback leaves the clock ahead, which only costs a counter).
    if (origin === 'remote' && newest !== null) observeRemoteHlc(this.db, newest, options.referenceMs);
    return { added, duplicates, conflicts, rejected, records };
  }

  /**
   * Takes the eligible records of `byRecord` nobody logged yet out of it and applies them through
   * the fresh-record path (changes.fresh.ts). Null when there were none.
   */
  private applyFresh(byRecord: Map<string, ValidChange[]>): FreshApplied | null {
    const candidates = new Map<string, EntityDef<unknown>>();
    for (const [id, list] of byRecord)
      if (freshEligible(list[0]!.def, list)) candidates.set(id, list[0]!.def);
    if (candidates.size === 0) return null;
    const fresh = freshAmong(this.repo, candidates);
    if (fresh.size === 0) return null;
    const taken = new Map<string, readonly ValidChange[]>();
    for (const id of fresh) {
      taken.set(id, byRecord.get(id)!);
      byRecord.delete(id);
    }
    const applied = applyFresh(
      {
        repo: this.repo,
        search: this.search,
        derived: this.derived,
        docOf: (def, record) => this.docOf(def, record),
        compact: this.compactApplied,
      },
      taken,
    );
    for (const [id, list] of taken) this.noteWritten('remote', list[0]!.def.kind, [id]);
    return applied;
  }

  /** A record's search document (its text-kind custom values appended). */
  private docOf(def: EntityDef<unknown>, record: RecordData): SearchDoc {
    if (!def.search) throw new AppError('INTERNAL', `${def.kind} records are not searchable`);
    return Object.hasOwn(def.fields, CUSTOM_VALUES_FIELD)
      ? withCustomText(def.search.doc(record), record, this.customFields.textIds(def.kind))
      : def.search.doc(record);
  }

  private detect(
    def: EntityDef<unknown>,
    change: Change,
    field: string,
    mine: Winner,
    cur: Winner | undefined,
    out: DetectedConflict[],
    options: ApplyOptions,
  ): void {
    if (!cur || cur.json === mine.json) return;
    const customId = customIdOf(field);
    const conflictWorthy =
      customId !== null
        ? (this.customFields.spec(def.kind, customId)?.conflict ?? false)
        : (def.fields[field]?.conflict ?? false);
    if (!conflictWorthy) return;
    // Concurrent with a local value: still unsynced, or pushed after the remote device last pulled.
    const concurrent =
      cur.syncState === 'pending' ||
      (cur.syncState === 'pushed' && (options.unseenLocal?.(cur.seq, change) ?? false));
    if (!concurrent) return;
    const side = (w: Winner): ConflictSide => ({ value: w.json, hlc: w.hlc, deviceId: w.deviceId });
    const [current, other] = change.hlc > cur.hlc ? [mine, cur] : [cur, mine];
    out.push({
      entity: def.kind,
      recordId: change.recordId,
      field,
      current: side(current),
      other: side(other),
    });
  }

  /**
   * Writes the record row from the winners (fields nobody wrote keep the row's value, else their
   * default, else a placeholder until their op arrives) with stamps from the oldest and newest logged
   * change, then re-indexes it.
   */
  private materialise(
    def: EntityDef<unknown>,
    recordId: string,
    winners: ReadonlyMap<string, Winner>,
    stamps: readonly string[],
  ): RecordData {
    const base = this.records.get(def, recordId);
    const { record, columns, meta } = buildRow(def, recordId, winners, stamps, base);
    const deletedAt = meta.deletedAt;
    const counted = def.kind === 'activity' ? this.derived.activity(recordId) : null;
    this.repo.upsert(def, recordId, columns, meta);
    // Derived reporting rows follow the record in the same transaction (a function of log and row).
    if (def.kind === 'activity') this.derived.activityWritten(counted, this.derived.activity(recordId));
    else if (def.kind === 'deal') this.derived.dealWritten(recordId);
    if (def.search) {
      if (deletedAt !== null) this.search.remove(recordId);
      else this.search.put(def.kind, recordId, this.docOf(def, record), base === null);
    }
    if (def.kind === 'customField') this.customFields.invalidate();
    return record;
  }
}
