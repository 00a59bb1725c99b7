import { randomBytes } from '@noble/hashes/utils.js';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import { formatHlc, type HybridClock } from '../../../shared/domain/hlc';
import { uuidv7 } from '../../../shared/domain/ids';
import { AppError } from '../../../shared/errors';
import {
  CUSTOM_VALUES_FIELD,
  customIdOf,
  foldCustomValues,
  withCustomText,
} from '../../../shared/domain/custom-fields';
import { customOps } from './custom-fields.values';
import type { Db } from '../db/database';
import { crmClock, observeRemoteHlc } from './crm.clock';
import { DEFAULT_PIPELINE_ID, dealDef, type EntityDef, type SearchDoc } from './crm.entities';
import type { ErasureSink } from './changes.erasure';
import { ChangeWriter, type RecordsChanged } from './changes.writer';
import { MetaRepository } from './meta.repository';
import { OpLogRepository } from './oplog.repository';
import {
  RecordsRepository,
  toColumn,
  type ListPage,
  type ListQuery,
  type RecordData,
} from './records.repository';
import { checkRefs, same } from './records.refs';
import { SearchRepository } from './search.repository';

/** A mutation's stamp: one HLC for all of its field ops. */
export interface Stamp {
  readonly hlc: string;
  readonly at: number;
  readonly deviceId: string;
}

/**
 * The CRM over one open vault database. Every mutation is a change handed to the one writer
 * (`ChangeWriter`), which in one transaction logs its field-level ops (pending for sync), rebuilds the
 * record row and its search entries, and announces `records.changed` after commit.
 */
export class CrmService {
  readonly records: RecordsRepository;
  readonly oplog: OpLogRepository;
  readonly search: SearchRepository;
  readonly writer: ChangeWriter;
  readonly deviceId: string;
  private readonly clock: HybridClock;

  constructor(
    readonly db: Db,
    now: () => number,
    emit?: (event: RecordsChanged) => void,
    /** What else in the vault forgets an erased record's older values (sync's tables); none: nothing. */
    erasure?: ErasureSink,
  ) {
    this.records = new RecordsRepository(db);
    this.oplog = new OpLogRepository(db, this.records);
    this.search = new SearchRepository(db);
    this.writer = new ChangeWriter(db, emit, { records: this.records, search: this.search }, erasure);
    this.deviceId = new MetaRepository(db).getOrInit('deviceId', () => base64url(randomBytes(9)));
    // Shared with remote applies, which advance it past every applied remote stamp (HLC receive).
    this.clock = crmClock(db, this.deviceId, now);
  }

  /**
   * After a database worker wrote this vault on its own connection (an import, a pulled sync page):
   * this connection's clock moves above the newest stamp the worker issued or took in, and cached
   * custom-field definitions are read again.
   */
  adoptWorkerWrites(lastHlc: string | null, referenceMs?: number): void {
    if (!this.db.open) return;
    if (lastHlc !== null) observeRemoteHlc(this.db, lastHlc, referenceMs);
    this.writer.customFields.invalidate();
  }

  /** Runs `fn` in one transaction (nested calls join the outer one); change events follow the commit. */
  tx<T>(fn: () => T): T {
    return this.writer.tx(fn);
  }

  /** A new stamp for one mutation. */
  stamp(): Stamp {
    const s = this.clock.now();
    return { hlc: formatHlc(s), at: s.wall, deviceId: this.deviceId };
  }

  /**
   * Writes one local mutation through the change writer and returns the record as it now stands.
   * Every local mutation path ends here (see the change-capture tests).
   */
  write(
    entity: EntityKind,
    recordId: string,
    fields: Readonly<Record<string, unknown>>,
    stamp: Stamp,
  ): RecordData {
    const result = this.writer.apply(
      [
        {
          opId: uuidv7(stamp.at),
          entity,
          recordId,
          hlc: stamp.hlc,
          deviceId: stamp.deviceId,
          fields: JSON.stringify(fields),
        },
      ],
      'local',
    );
    const record = result.records.get(recordId);
    if (!record) throw new AppError('INTERNAL', 'The change was not applied');
    return record;
  }

  /** A local write of one field's value as JSON text (conflict resolution): a fresh stamp above all seen. */
  writeField(entity: EntityKind, recordId: string, field: string, json: string | null): RecordData {
    const value: unknown = json === null ? null : JSON.parse(json);
    return this.write(entity, recordId, { [field]: value }, this.stamp());
  }

  // ---- generic CRUD ------------------------------------------------------------------------------

  /**
   * Creates a record. `refsChecked` skips the reference checks for callers that resolved the
   * references themselves in this transaction (the importer's accounts).
   */
  create<T>(
    def: EntityDef<T>,
    input: Readonly<Record<string, unknown>>,
    options: { refsChecked?: boolean } = {},
  ): RecordData {
    return this.tx(() => {
      const fields: Record<string, unknown> = { ...def.defaults, ...stripUndefined(input) };
      if (!options.refsChecked) checkRefs(this.records, def, fields, null);
      const s = this.stamp();
      const id = uuidv7(s.at);
      const ops: Record<string, unknown> = {};
      for (const f of Object.keys(def.fields)) {
        if (f === CUSTOM_VALUES_FIELD) {
          Object.assign(ops, customOps(this.writer.customFields, def.kind, input[f]));
          continue;
        }
        if (fields[f] === undefined) fields[f] = null;
        // Defaults are the same on every device, so only values that differ from them travel.
        if (!(f in def.defaults) || !same(fields[f], def.defaults[f])) ops[f] = fields[f];
      }
      return this.write(def.kind, id, ops, s);
    });
  }

  /**
   * Creates many records (bulk import) with exactly what `create` writes for each one: the row, its
   * field ops under its own stamp (pending) and its search entries.
   * They are written per batch with one statement per table, instead of about eight per record.
   * References must have been checked by the caller. Calls `onBatch(done)` after each batch; returns
   * the new ids in input order.
   */
  createMany(
    def: EntityDef<unknown>,
    inputs: readonly Readonly<Record<string, unknown>>[],
    onBatch: (done: number) => void = () => undefined,
    batchSize = 2000,
  ): string[] {
    return this.tx(() => {
      const ids = this.search.bulkLoad(() => this.createManyInTx(def, inputs, onBatch, batchSize));
      this.writer.noteWritten('local', def.kind, ids);
      return ids;
    });
  }

  private createManyInTx(
    def: EntityDef<unknown>,
    inputs: readonly Readonly<Record<string, unknown>>[],
    onBatch: (done: number) => void,
    batchSize: number,
  ): string[] {
    const fieldDefs = Object.entries(def.fields).map(([f, d]) => ({
      f,
      d,
      isJson: d.storage === 'json',
      // The op's JSON text up to the value: `"field":`.
      key: `${JSON.stringify(f)}:`,
      hasDefault: f in def.defaults,
      defaultValue: (f in def.defaults ? def.defaults[f] : null) ?? null,
      // Column values compare like `same` compares API values (JSON identity for JSON fields).
      defaultColumn: f in def.defaults ? toColumn(d, def.defaults[f]) : undefined,
    }));
    const n = fieldDefs.length;
    const ids: string[] = [];
    const hasCustom = CUSTOM_VALUES_FIELD in def.fields;
    this.writer.customFields.invalidate();
    const textIds = hasCustom ? this.writer.customFields.textIds(def.kind) : new Set<string>();
    for (let start = 0; start < inputs.length; start += batchSize) {
      const end = Math.min(inputs.length, start + batchSize);
      const rows: unknown[][] = [];
      const ops: [string, EntityKind, string, string, string, string][] = [];
      const docs: { entity: EntityKind; recordId: string; doc: SearchDoc }[] = [];
      for (let k = start; k < end; k++) {
        const input = inputs[k]!;
        const s = this.stamp();
        const id = uuidv7(s.at);
        const row: unknown[] = new Array(n + 5);
        row[0] = id;
        const record: RecordData = { id, deletedAt: null };
        // The op's JSON is written as text: it reuses each JSON column's text instead of serialising
        // the value again (one bulk record is a dozen fields; this loop runs 100k times per import).
        let op = '';
        for (let j = 0; j < n; j++) {
          const fd = fieldDefs[j]!;
          if (hasCustom && fd.f === CUSTOM_VALUES_FIELD) {
            // Custom values log as one op field each (`cf:<id>`), exactly as `create` writes them.
            const cops = customOps(this.writer.customFields, def.kind, input[fd.f]);
            const folded = foldCustomValues(Object.entries(cops).map(([k, v]) => [customIdOf(k)!, v]));
            record[fd.f] = folded;
            row[j + 1] = JSON.stringify(folded);
            for (const [k, v] of Object.entries(cops))
              op += `${op ? ',' : '{'}${JSON.stringify(k)}:${JSON.stringify(v)}`;
            continue;
          }
          let v = input[fd.f];
          if (v === undefined) v = fd.defaultValue;
          record[fd.f] = v;
          const column = toColumn(fd.d, v);
          row[j + 1] = column;
          if (!fd.hasDefault || column !== fd.defaultColumn)
            op += `${op ? ',' : '{'}${fd.key}${fd.isJson && column !== null ? (column as string) : JSON.stringify(v)}`;
        }
        row[n + 1] = s.at;
        row[n + 2] = s.at;
        row[n + 3] = s.deviceId;
        row[n + 4] = s.deviceId;
        rows.push(row);
        if (op) ops.push([uuidv7(s.at), def.kind, id, s.hlc, s.deviceId, `${op}}`]);
        record.createdAt = s.at;
        record.updatedAt = s.at;
        record.createdBy = s.deviceId;
        record.updatedBy = s.deviceId;
        if (def.search)
          docs.push({
            entity: def.kind,
            recordId: id,
            doc: hasCustom ? withCustomText(def.search.doc(record), record, textIds) : def.search.doc(record),
          });
        ids.push(id);
      }
      this.records.insertMany(def, rows);
      this.oplog.appendLocalMany(ops);
      this.writer.derived.bulkInserted(def.kind, ids.slice(start));
      this.search.putMany(docs);
      onBatch(end);
    }
    return ids;
  }

  update<T>(def: EntityDef<T>, id: string, patch: Readonly<Record<string, unknown>>): RecordData {
    return this.tx(() => {
      const current = this.getLive(def, id);
      const changes: Record<string, unknown> = {};
      for (const [f, v] of Object.entries(patch)) {
        if (v === undefined || !def.fields[f]) continue;
        if (f === CUSTOM_VALUES_FIELD)
          Object.assign(changes, customOps(this.writer.customFields, def.kind, v, current));
        else if (!same(current[f], v)) changes[f] = v;
      }
      if (Object.keys(changes).length === 0) return current;
      checkRefs(this.records, def, { ...current, ...changes }, current);
      const s = this.stamp();
      // Age in stage: the moment a deal enters a stage travels with the move, as a field of its own.
      if (def.kind === 'deal' && 'stageId' in changes && !('stageChangedAt' in patch))
        changes.stageChangedAt = s.at;
      return this.write(def.kind, id, changes, s);
    });
  }

  delete<T>(def: EntityDef<T>, id: string): { id: string; deletedAt: number } {
    return this.tx(() => {
      this.getLive(def, id);
      if (def.kind === 'pipeline') {
        if (id === DEFAULT_PIPELINE_ID)
          throw new AppError('CONFLICT', 'The default pipeline cannot be deleted');
        if (this.records.countDeals(id, null) > 0)
          throw new AppError('CONFLICT', 'The pipeline still has deals');
      }
      const s = this.stamp();
      this.write(def.kind, id, { deletedAt: s.at }, s);
      return { id, deletedAt: s.at };
    });
  }

  /**
   * Reads into the page cache what the first search and the first list page of a fresh connection
   * need (see SearchRepository.warm), so the first query after an unlock is not the one that pays
   * for decrypting them.
   */
  warm(): void {
    this.search.warm();
  }

  get<T>(def: EntityDef<T>, id: string): RecordData {
    return this.getLive(def, id);
  }

  list<T>(def: EntityDef<T>, query: Partial<ListQuery> | undefined): ListPage {
    return this.records.list(def, {
      filter: query?.filter ?? {},
      sort: query?.sort ?? def.defaultSort,
      limit: query?.limit ?? 50,
      cursor: query?.cursor ?? null,
      includeDeleted: query?.includeDeleted ?? false,
      count: query?.count ?? true,
      offset: query?.offset ?? 0,
    });
  }

  private getLive<T>(def: EntityDef<T>, id: string): RecordData {
    const record = this.records.get(def, id);
    if (!record || record.deletedAt !== null) throw new AppError('NOT_FOUND', `No such ${def.kind}`);
    return record;
  }

  // ---- deals -------------------------------------------------------------------------------------

  /**
   * Per stage: how many live deals match `filter` and their amounts summed per currency (one grouped
   * read: the board's column counts and totals without reading the deals themselves).
   */
  dealStageSums(filter: Readonly<Record<string, unknown>>): {
    stageId: string;
    count: number;
    sums: { currency: string; amountMinor: number }[];
  }[] {
    const out = new Map<
      string,
      { stageId: string; count: number; sums: { currency: string; amountMinor: number }[] }
    >();
    for (const row of this.records.dealStageSums(dealDef, filter)) {
      let stage = out.get(row.stageId);
      if (!stage) out.set(row.stageId, (stage = { stageId: row.stageId, count: 0, sums: [] }));
      stage.count += row.count;
      stage.sums.push({ currency: row.currency, amountMinor: row.sum });
    }
    return [...out.values()];
  }

  /** Moves a deal to `stageId` at `index` among that stage's other deals, writing one position. */
  moveDeal(id: string, stageId: string, index: number): RecordData {
    return this.tx(() => {
      const deal = this.getLive(dealDef, id);
      const pipelineId = deal.pipelineId as string;
      const others = this.records.stagePositions(pipelineId, stageId, id);
      const at = Math.min(index, others.length);
      const before = others[at - 1]?.position;
      const after = others[at]?.position;
      let position: number;
      if (before === undefined && after === undefined) position = 0;
      else if (before === undefined) position = after! - 1;
      else if (after === undefined) position = before + 1;
      else position = (before + after) / 2;
      if (before !== undefined && after !== undefined && (position <= before || position >= after)) {
        // Floating point ran out of room between neighbours: respace the stage (rare).
        others.forEach((o, k) => this.update(dealDef, o.id, { position: k >= at ? k + 1 : k }));
        position = at;
      }
      return this.update(dealDef, id, { stageId, position });
    });
  }

  /** The position after the last deal of a stage (new deals go to the end). */
  endOfStage(pipelineId: string, stageId: string): number {
    const max = this.records.maxStagePosition(pipelineId, stageId);
    return max === null ? 0 : max + 1;
  }
}

/** 9 random bytes as 12 base64url characters: short, because every op's HLC carries it. */
function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function stripUndefined(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
  return out;
}
