import { CUSTOM_VALUES_FIELD, foldCustomOps } from '../../../shared/domain/custom-fields';
import { parseHlc } from '../../../shared/domain/hlc';
import type { LogRow, RowMeta } from './changes.repository';
import { DELETED, parseObject } from './changes.validate';
import type { EntityDef, FieldDef } from './crm.entities';
import { expandFields } from './oplog.elided';
import { toColumn, type RecordData } from './records.repository';

/** A field's last-writer-wins value: the newest logged mutation that wrote it. */
export interface Winner {
  /** Op-log seq on this replica (-1 for a change being applied). */
  readonly seq: number;
  readonly hlc: string;
  readonly value: unknown;
  /** The value as JSON text (conflict comparison and review). */
  readonly json: string;
  readonly deviceId: string;
  readonly syncState: LogRow['syncState'];
}

/** Each field's winner in a record's log (newest stamp first), elided values read from `record`. */
export function winnersOf(log: readonly LogRow[], record: RecordData | null): Map<string, Winner> {
  const out = new Map<string, Winner>();
  for (const row of log) {
    // An elided value is the record row's (oplog.elided.ts): the row is its newest writer.
    const logged = parseObject(expandFields(row.fields, row.elided, record)) ?? {};
    for (const [field, value] of Object.entries(logged)) {
      if (out.has(field)) continue;
      const v = value ?? null;
      out.set(field, {
        seq: row.seq,
        hlc: row.hlc,
        value: v,
        json: JSON.stringify(v),
        deviceId: row.deviceId,
        syncState: row.syncState,
      });
    }
  }
  return out;
}

/** A field's value until its op arrives (a row must be complete; the op fills it in). */
export function placeholder(fd: FieldDef): unknown {
  switch (fd.storage) {
    case 'text':
      return '';
    case 'int':
    case 'real':
      return 0;
    case 'bool':
      return false;
    case 'json':
      return fd.schema.safeParse(null).success ? null : [];
  }
}

/** The wall-clock part of a stamp (ms). */
export function wallOf(hlc: string): number {
  return parseHlc(hlc)?.wall ?? 0;
}

/** A record row as the writer stores it: API values (with stamps) and column values in `def.fields` order. */
export interface BuiltRow {
  readonly record: RecordData;
  readonly columns: unknown[];
  readonly meta: RowMeta;
}

/**
 * Builds a record row from its winners: fields nobody wrote keep `base`'s value, else their default,
 * else a placeholder until their op arrives; the stamps come from the oldest and newest of `stamps`;
 * `deletedAt` from its winner, else the base row's.
 */
export function buildRow(
  def: EntityDef<unknown>,
  recordId: string,
  winners: ReadonlyMap<string, { readonly value: unknown }>,
  stamps: readonly string[],
  base: RecordData | null,
): BuiltRow {
  const record: RecordData = { id: recordId, deletedAt: null };
  const columns: unknown[] = [];
  for (const [name, fd] of Object.entries(def.fields)) {
    const w = winners.get(name);
    let value: unknown;
    if (name === CUSTOM_VALUES_FIELD) value = foldCustomOps(winners);
    else if (w) value = w.value;
    else if (base) value = base[name];
    else value = fd.hasDefault ? fd.default : placeholder(fd);
    record[name] = value;
    columns.push(toColumn(fd, value));
  }
  let oldest = stamps[0]!;
  let newest = stamps[0]!;
  for (const s of stamps) {
    if (s < oldest) oldest = s;
    if (s > newest) newest = s;
  }
  const deleted = winners.get(DELETED);
  const deletedAt =
    deleted !== undefined
      ? typeof deleted.value === 'number'
        ? deleted.value
        : null
      : (base?.deletedAt ?? null);
  const meta: RowMeta = {
    createdAt: wallOf(oldest),
    createdBy: parseHlc(oldest)?.deviceId ?? '',
    updatedAt: wallOf(newest),
    updatedBy: parseHlc(newest)?.deviceId ?? '',
    deletedAt,
  };
  Object.assign(record, meta);
  return { record, columns, meta };
}
