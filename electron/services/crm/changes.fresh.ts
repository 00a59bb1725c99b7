import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { ChangesRepository, OpInsert } from './changes.repository';
import { ERASED, type ValidChange } from './changes.validate';
import { buildRow } from './changes.winners';
import type { EntityDef, SearchDoc } from './crm.entities';
import { compactApplied, type Compacted } from './oplog.elided';
import type { RecordData } from './records.repository';
import type { DealOp, ReportingDerivedRepository } from './reporting.derived.repository';
import type { SearchRepository } from './search.repository';

/** What the fresh-record path writes through: the writer's own repositories. */
export interface FreshStores {
  readonly repo: ChangesRepository;
  readonly search: SearchRepository;
  readonly derived: ReportingDerivedRepository;
  /** The record's search document, as the writer's per-record path builds it. */
  readonly docOf: (def: EntityDef<unknown>, record: RecordData) => SearchDoc;
  /** Whether applied rows drop the values their record row holds (ChangeWriter.compactApplied). */
  readonly compact: boolean;
}

/** What applying fresh records did, for the writer's `ApplyResult`. */
export interface FreshApplied {
  added: number;
  duplicates: number;
  newest: string | null;
  readonly records: Map<string, RecordData>;
}

/**
 * Whether a record's valid remote changes may take the fresh-record path: all of one entity (no
 * entity mismatch to reject), all with values (no erased rows), no erasure among them, and not a
 * custom field definition (those change what later values are checked against).
 */
export function freshEligible(def: EntityDef<unknown>, changes: readonly ValidChange[]): boolean {
  if (def.kind === 'customField') return false;
  for (const c of changes)
    if (c.def !== def || c.values === null || Object.hasOwn(c.values, ERASED)) return false;
  return true;
}

/**
 * The ids of `candidates` this replica has never seen: no op-log row and no record row (the default
 * pipeline, say, has a row but no log). Two set-based reads per batch instead of one log read each.
 */
export function freshAmong(
  repo: ChangesRepository,
  candidates: ReadonlyMap<string, EntityDef<unknown>>,
): Set<string> {
  const ids = [...candidates.keys()];
  const seen = repo.logged(ids);
  const byDef = new Map<EntityDef<unknown>, string[]>();
  for (const [id, def] of candidates) {
    if (seen.has(id)) continue;
    const list = byDef.get(def);
    if (list) list.push(id);
    else byDef.set(def, [id]);
  }
  const fresh = new Set<string>();
  for (const [def, list] of byDef) {
    const rows = repo.existing(def, list);
    for (const id of list) if (!rows.has(id)) fresh.add(id);
  }
  return fresh;
}

/**
 * Applies remote changes of records this replica has never seen, set-based, with exactly the rows
 * the writer's per-record path leaves (ChangeWriter.applyInTx then materialise): the same winners
 * (newest stamp per field; a second change under a stamp is a duplicate delivery), the same record
 * row, op-log rows already compacted as `compactApplied` would rewrite them, the same reporting rows
 * and search documents. What it saves is the per-record work a record with no history never needs:
 * reading its log and row, upserting, and rewriting each op row after inserting it. Rows go in many
 * per statement and the search index is fed in one range per batch (a bootstrap's bulk of records).
 */
export function applyFresh(
  stores: FreshStores,
  records: ReadonlyMap<string, readonly ValidChange[]>,
): FreshApplied {
  const out: FreshApplied = { added: 0, duplicates: 0, newest: null, records: new Map() };
  const ops: OpInsert[] = [];
  const rows = new Map<EntityDef<unknown>, unknown[][]>();
  const docs: { entity: EntityKind; recordId: string; doc: SearchDoc }[] = [];
  const activities: string[] = [];
  const deals: [string, DealOp[]][] = [];
  for (const [recordId, changes] of records) {
    const def = changes[0]!.def;
    const winners = new Map<string, { hlc: string; value: unknown }>();
    const kept: ValidChange[] = [];
    const stamps = new Set<string>();
    for (const change of changes) {
      if (stamps.has(change.hlc)) {
        out.duplicates++;
        continue;
      }
      stamps.add(change.hlc);
      kept.push(change);
      if (out.newest === null || change.hlc > out.newest) out.newest = change.hlc;
      for (const [field, value] of Object.entries(change.values ?? {})) {
        const cur = winners.get(field);
        if (!cur || change.hlc > cur.hlc) winners.set(field, { hlc: change.hlc, value });
      }
    }
    out.added += kept.length;
    const { record, columns, meta } = buildRow(def, recordId, winners, [...stamps], null);
    let table = rows.get(def);
    if (!table) rows.set(def, (table = []));
    table.push([
      recordId,
      ...columns,
      meta.createdAt,
      meta.createdBy,
      meta.updatedAt,
      meta.updatedBy,
      meta.deletedAt,
    ]);
    const compacted = new Map<string, Compacted>();
    if (stores.compact)
      compactApplied(
        def,
        kept,
        (f) => winners.get(f)?.hlc,
        record,
        (hlc, c) => compacted.set(hlc, c),
      );
    for (const c of kept) {
      const slim = compacted.get(c.hlc);
      ops.push([
        c.opId,
        c.entity,
        recordId,
        c.hlc,
        c.deviceId,
        slim ? slim.fields : c.fields,
        slim ? slim.elided : null,
        'applied',
      ]);
    }
    if (def.kind === 'activity') activities.push(recordId);
    else if (def.kind === 'deal')
      deals.push([
        recordId,
        [...kept]
          .sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : 0))
          .map((c) => ({ hlc: c.hlc, stage: c.values?.stageId ?? null, status: c.values?.status ?? null })),
      ]);
    if (def.search && meta.deletedAt === null)
      docs.push({ entity: def.kind, recordId, doc: stores.docOf(def, record) });
    out.records.set(recordId, record);
  }
  for (const [def, table] of rows) stores.repo.insertRecords(def, table);
  stores.repo.insertOps(ops);
  // Reporting rows read the record rows (activities) or fold the ops just written (deals).
  stores.derived.bulkInserted('activity', activities);
  for (const [dealId, dealOps] of deals) stores.derived.dealFolded(dealId, dealOps);
  stores.search.bulkLoad(() => stores.search.putMany(docs));
  return out;
}
