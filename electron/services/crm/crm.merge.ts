import { parseHlc } from '../../../shared/domain/hlc';
import type { Db } from '../db/database';
import { observeRemoteHlc } from './crm.clock';
import { entityDefs, type EntityDef, type FieldDef } from './crm.entities';
import { CrmMergeRepository, type MergeLogRow, type MergeRow } from './crm.merge.repository';
import { RecordsRepository, toColumn, type RecordData } from './records.repository';
import { SearchRepository } from './search.repository';

/** A mutation from another device, as carried by a sync delta. */
export type RemoteRow = MergeRow;

/** Fields where concurrent changes are kept for a human to review (DESIGN.md, "Conflicts worth a human"). */
export const CONFLICT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  deal: ['stageId', 'amountMinor', 'expectedCloseDate', 'ownerId'],
};

/** One side of a detected conflict. */
export interface ConflictSide {
  readonly value: string | null;
  readonly hlc: string;
  readonly deviceId: string;
}

/** Two concurrent values of an important field; `current` is the one LWW keeps. */
export interface DetectedConflict {
  readonly entity: string;
  readonly recordId: string;
  readonly field: string;
  readonly current: ConflictSide;
  readonly other: ConflictSide;
}

export interface MergeResult {
  /** Mutations new to this replica (recorded in the log, whether or not they won). */
  readonly added: number;
  /** Mutations already known (duplicate deliveries). */
  readonly duplicates: number;
  readonly conflicts: DetectedConflict[];
  /** The highest stamp among the mutations added (the one the CRM clock now sorts above), or null. */
  readonly newest: string | null;
}

/** Meta fields that travel as ops besides the entity's own fields. */
const DELETED = 'deletedAt';
const ERASED = 'erasedAt';

type AnyDef = EntityDef<unknown>;

function defOf(entity: string): AnyDef | null {
  return Object.prototype.hasOwnProperty.call(entityDefs, entity)
    ? entityDefs[entity as keyof typeof entityDefs]
    : null;
}

function valueFits(kind: FieldDef['kind'], v: unknown): boolean {
  if (v === null) return true;
  switch (kind) {
    case 'text':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'real':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'json':
      return true;
  }
}

function parseJson(text: string | null): { ok: true; value: unknown } | { ok: false } {
  if (text === null) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Why a remote mutation cannot be merged, or null when it can. Checked before a page's transaction so
 * one bad row never aborts the others. Unknown fields of known entities are accepted (logged, not
 * applied): a newer build may sync fields this one does not know.
 */
export function invalidReason(row: RemoteRow): string | null {
  const def = defOf(row.entity);
  if (!def) return 'unknown_entity';
  const stamp = parseHlc(row.hlc);
  if (!stamp || stamp.deviceId !== row.deviceId) return 'bad_hlc';
  if (row.recordId.length === 0 || row.recordId.length > 100) return 'bad_id';
  const parsed = parseJson(row.fields);
  if (!parsed.ok) return 'bad_value';
  if (parsed.value === null) return null;
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return 'bad_value';
  for (const [field, value] of Object.entries(parsed.value as Record<string, unknown>)) {
    if (field.length > 100) return 'bad_field';
    if (field === DELETED || field === ERASED) {
      if (value !== null && !(typeof value === 'number' && Number.isSafeInteger(value))) return 'bad_value';
      continue;
    }
    const fd = def.fields[field];
    if (fd && !valueFits(fd.kind, value)) return 'bad_value';
  }
  return null;
}

/** A field's current last-writer-wins value: the newest logged mutation that wrote it. */
interface Winner {
  /** Op-log seq on this replica (-1 for a remote op not yet stored). */
  readonly seq: number;
  readonly opId: string;
  readonly hlc: string;
  /** The value as JSON text. */
  readonly value: string;
  readonly deviceId: string;
  readonly syncState: 'pending' | 'pushed' | 'applied';
}

function fieldsOf(json: string | null): Record<string, unknown> {
  const parsed = parseJson(json);
  return parsed.ok && parsed.value !== null && typeof parsed.value === 'object'
    ? (parsed.value as Record<string, unknown>)
    : {};
}

/** Winners per field from a record's log rows, newest first. */
function winnersOf(rows: readonly MergeLogRow[]): Map<string, Winner> {
  const out = new Map<string, Winner>();
  for (const row of rows) {
    for (const [field, value] of Object.entries(fieldsOf(row.fields))) {
      if (!out.has(field)) {
        out.set(field, {
          seq: row.seq,
          opId: row.opId,
          hlc: row.hlc,
          value: JSON.stringify(value ?? null),
          deviceId: row.deviceId,
          syncState: row.syncState,
        });
      }
    }
  }
  return out;
}

/** The SQLite value of a field from an op's JSON text; NOT NULL columns get their default or a placeholder. */
function apiValue(def: AnyDef, field: string, fd: FieldDef, json: string | null): unknown {
  const parsed = parseJson(json);
  let value = parsed.ok ? parsed.value : null;
  if (value === null && !(field in def.defaults && def.defaults[field] === null)) {
    value = field in def.defaults ? def.defaults[field] : placeholder(fd.kind);
  }
  return value;
}

function columnValue(def: AnyDef, field: string, fd: FieldDef, json: string | null): unknown {
  return toColumn(fd, apiValue(def, field, fd, json));
}

function placeholder(kind: FieldDef['kind']): unknown {
  switch (kind) {
    case 'text':
      return '';
    case 'int':
    case 'real':
      return 0;
    case 'bool':
      return false;
    case 'json':
      return [];
  }
}

function wallOf(hlc: string): number {
  return parseHlc(hlc)?.wall ?? 0;
}

/**
 * Applies mutations from other devices into the crm_* tables: last writer wins per field by HLC,
 * deletions are tombstones (the `deletedAt` field), duplicates and any delivery order give the same
 * state, and the search index follows every changed record. The caller owns the transaction (one per
 * pulled page).
 */
export class CrmMerge {
  private readonly repo: CrmMergeRepository;
  private readonly records: RecordsRepository;
  private readonly search: SearchRepository;

  constructor(readonly db: Db) {
    this.repo = new CrmMergeRepository(db);
    this.records = new RecordsRepository(db);
    this.search = new SearchRepository(db);
  }

  /**
   * Merges remote mutations (validated with `invalidReason` first). `unseenLocal(seq, row)` says
   * whether the local op at op-log `seq` (already pushed) was unknown to the device that wrote `row`;
   * such pairs on important fields are conflicts too.
   *
   * The CRM clock of this database then takes in the newest added stamp (HLC receive), so the next
   * local edit sorts above every value applied here. `referenceMs` is the trusted time the rows were
   * drift-checked against (the latest server receive time of the page); callers pass only rows the
   * drift guard admitted, quarantined ones are never observed.
   */
  apply(
    rows: readonly RemoteRow[],
    options: { unseenLocal?: (localSeq: number, row: RemoteRow) => boolean; referenceMs?: number } = {},
  ): MergeResult {
    const byRecord = new Map<string, RemoteRow[]>();
    for (const row of rows) {
      const list = byRecord.get(row.recordId);
      if (list) list.push(row);
      else byRecord.set(row.recordId, [row]);
    }
    let added = 0;
    let duplicates = 0;
    let newest: string | null = null;
    const conflicts: DetectedConflict[] = [];
    for (const [recordId, list] of byRecord) {
      const def = defOf(list[0]!.entity)!;
      const winners = winnersOf(this.repo.rows(recordId));
      const changed = new Map<string, Winner>();
      let first: RemoteRow | null = null;
      let last: RemoteRow | null = null;
      const important = CONFLICT_FIELDS[def.kind] ?? [];
      for (const row of list) {
        if (row.entity !== def.kind) continue;
        if (!this.repo.addRow(row, 'applied')) {
          duplicates++;
          continue;
        }
        added++;
        if (newest === null || row.hlc > newest) newest = row.hlc;
        if (!first || row.hlc < first.hlc) first = row;
        if (!last || row.hlc > last.hlc) last = row;
        for (const [field, v] of Object.entries(fieldsOf(row.fields))) {
          const value = JSON.stringify(v ?? null);
          const cur = winners.get(field);
          const mine = {
            seq: -1,
            opId: row.opId,
            hlc: row.hlc,
            value,
            deviceId: row.deviceId,
            syncState: 'applied' as const,
          };
          // Concurrent with a local value: still unsynced, or pushed after the remote device last pulled.
          const local =
            cur &&
            cur.value !== value &&
            (cur.syncState === 'pending' ||
              (cur.syncState === 'pushed' && (options.unseenLocal?.(cur.seq, row) ?? false)))
              ? cur
              : null;
          const conflict = local !== null && important.includes(field);
          if (!cur || row.hlc > cur.hlc) {
            winners.set(field, mine);
            changed.set(field, mine);
            if (conflict) conflicts.push({ entity: def.kind, recordId, field, current: mine, other: local });
          } else if (conflict) {
            conflicts.push({ entity: def.kind, recordId, field, current: local, other: mine });
          }
        }
      }
      if (first && last) this.materialise(def, recordId, changed, winners, first, last);
    }
    // Inside the caller's transaction: a rollback leaves the clock ahead, which only costs a counter.
    if (newest !== null) observeRemoteHlc(this.db, newest, options.referenceMs);
    return { added, duplicates, conflicts, newest };
  }

  /** Writes the `changed` winners into the record row (creating it if needed) and reindexes it. */
  private materialise(
    def: AnyDef,
    recordId: string,
    changed: ReadonlyMap<string, Winner>,
    winners: ReadonlyMap<string, Winner>,
    first: { hlc: string; deviceId: string },
    last: { hlc: string; deviceId: string },
  ): void {
    const columns = new Map<string, unknown>();
    let erasedAt: string | null = null;
    for (const [field, w] of changed) {
      if (field === DELETED) {
        const parsed = parseJson(w.value);
        columns.set('deleted_at', parsed.ok ? parsed.value : null);
      } else if (field === ERASED) {
        erasedAt = w.hlc;
      } else {
        const fd = def.fields[field];
        if (fd) columns.set(fd.column, columnValue(def, field, fd, w.value));
      }
    }
    const created = { at: wallOf(first.hlc), by: first.deviceId };
    const updated = { at: wallOf(last.hlc), by: last.deviceId };
    if (this.repo.exists(def.table, recordId)) {
      this.repo.updateRow(def.table, recordId, columns, created, updated);
    } else {
      // A row made from whatever ops arrived so far (its create op may come later, re-ordered);
      // required fields nobody wrote yet hold placeholders until their ops arrive.
      const all = new Map<string, unknown>();
      // The new record as the API shows it: indexed without reading the row back.
      const record: Record<string, unknown> = { id: recordId };
      for (const [field, fd] of Object.entries(def.fields)) {
        const value = apiValue(def, field, fd, winners.get(field)?.value ?? null);
        record[field] = value;
        all.set(fd.column, toColumn(fd, value));
      }
      const del = parseJson(winners.get(DELETED)?.value ?? null);
      const deletedAt = del.ok && typeof del.value === 'number' ? del.value : null;
      all.set('deleted_at', deletedAt);
      this.repo.insertRow(def.table, recordId, all, created, updated);
      Object.assign(record, {
        createdAt: created.at,
        updatedAt: updated.at,
        createdBy: created.by,
        updatedBy: updated.by,
        deletedAt,
      });
      if (erasedAt) this.repo.scrubOlder(recordId, erasedAt);
      this.reindex(def, recordId, record as RecordData);
      return;
    }
    if (erasedAt) this.repo.scrubOlder(recordId, erasedAt);
    this.reindex(def, recordId);
  }

  /** Re-indexes a record; `created` is a row this merge just inserted (nothing indexed for it yet). */
  private reindex(def: AnyDef, recordId: string, created?: RecordData): void {
    const record: RecordData | null = created ?? this.records.get(def, recordId);
    if (!record) return;
    const isNew = created !== undefined;
    if (def.search) {
      if (record.deletedAt !== null) this.search.remove(recordId);
      else this.search.put(def.kind, recordId, def.search.doc(record), isNew);
    }
  }

  /**
   * Makes rows show the log's winners for the fields of these local mutations. A local edit stamped
   * below a remote op already applied would otherwise show a value every other replica discards.
   * Since `apply` advances the CRM clock past applied stamps this should find nothing; it stays as a
   * safety net (ops applied before that, a stamp the drift guard kept out of the clock). Called
   * before pushing; returns the records fixed.
   */
  reconcile(
    rows: readonly { entity: string; recordId: string; hlc: string; fields: string | null }[],
  ): number {
    let fixed = 0;
    const seen = new Set<string>();
    for (const row of rows) {
      if (seen.has(row.recordId)) continue;
      seen.add(row.recordId);
      const def = defOf(row.entity);
      if (!def) continue;
      const log = this.repo.rows(row.recordId);
      if (log.length > 0) {
        // Local writes stamp created_at/updated_at with the CRM clock, which may not have observed remote
        // stamps; every replica ends with min/max over the record's rows, so the origin must too.
        this.repo.coverMeta(def.table, row.recordId, wallOf(log[log.length - 1]!.hlc), wallOf(log[0]!.hlc));
      }
      const winners = winnersOf(log);
      const stale = new Map<string, Winner>();
      for (const r of log) {
        if (r.syncState !== 'pending') continue;
        for (const field of Object.keys(fieldsOf(r.fields))) {
          const w = winners.get(field);
          if (w && w.hlc > r.hlc && w.syncState !== 'pending') stale.set(field, w);
        }
      }
      if (stale.size === 0) continue;
      const hlcs = [...stale.values()].map((w) => w.hlc).sort();
      const firstStale = stale.values().next().value!;
      this.materialise(
        def,
        row.recordId,
        stale,
        winners,
        { hlc: hlcs[0]!, deviceId: firstStale.deviceId },
        {
          hlc: hlcs[hlcs.length - 1]!,
          deviceId: firstStale.deviceId,
        },
      );
      fixed++;
    }
    return fixed;
  }

  /** A local write of one field (conflict resolution): a pending mutation plus the row, in the caller's transaction. */
  writeLocal(row: RemoteRow): void {
    const def = defOf(row.entity);
    if (!def) return;
    this.repo.addRow(row, 'pending');
    const winners = winnersOf(this.repo.rows(row.recordId));
    const changed = new Map<string, Winner>();
    for (const field of Object.keys(fieldsOf(row.fields))) {
      const w = winners.get(field);
      if (w) changed.set(field, w);
    }
    this.materialise(def, row.recordId, changed, winners, row, row);
  }
}
