import { parseHlc } from '../../../shared/domain/hlc';
import type { LogRow } from './changes.repository';
import { parseObject } from './changes.validate';
import type { FieldDef } from './crm.entities';
import { expandFields } from './oplog.elided';
import type { RecordData } from './records.repository';

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
