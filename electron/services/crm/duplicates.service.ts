import { AppError } from '../../../shared/errors';
import { CUSTOM_VALUES_FIELD } from '../../../shared/domain/custom-fields';
import { mergedCustom } from './custom-fields.values';
import type { ChannelOutput, ParsedInput } from '../../../shared/ipc/contract';
import { accountDef, activityDef, contactDef, dealDef, taskDef, type EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';
import { emailKey, nameKey, phoneKey } from './duplicates.keys';
import { DuplicatesRepository, type DupeRow } from './duplicates.repository';

type Match = ChannelOutput<'duplicates.find'>['matches'][number];

/** Lookup of the live contacts or accounts by duplicate key, built once per check or import. */
export class DuplicateIndex {
  private readonly byName = new Map<string, DupeRow[]>();
  private readonly byEmail = new Map<string, DupeRow>();
  private readonly byPhone = new Map<string, DupeRow>();

  constructor(
    rows: Iterable<DupeRow>,
    private readonly kind: 'contact' | 'account',
  ) {
    for (const row of rows) this.add(row);
  }

  add(row: DupeRow): void {
    const n = nameKey(row.name, this.kind);
    if (n) {
      const list = this.byName.get(n);
      if (list) list.push(row);
      else this.byName.set(n, [row]);
    }
    for (const e of row.emails) if (!this.byEmail.has(emailKey(e))) this.byEmail.set(emailKey(e), row);
    for (const p of row.phones) {
      const k = phoneKey(p);
      if (k && !this.byPhone.has(k)) this.byPhone.set(k, row);
    }
  }

  /** Records matching any key of the probe, with what matched; `excludeId` is left out. */
  find(
    probe: { name?: string; emails?: readonly string[]; phones?: readonly string[] },
    excludeId?: string,
  ): Match[] {
    const found = new Map<string, Match>();
    const note = (row: DupeRow, by: Match['by'][number]) => {
      if (row.id === excludeId) return;
      const m = found.get(row.id);
      if (!m) found.set(row.id, { id: row.id, name: row.name, by: [by] });
      else if (!m.by.includes(by)) m.by.push(by);
    };
    const n = probe.name ? nameKey(probe.name, this.kind) : '';
    if (n) for (const row of this.byName.get(n) ?? []) note(row, 'name');
    for (const e of probe.emails ?? []) {
      const row = this.byEmail.get(emailKey(e));
      if (row) note(row, 'email');
    }
    for (const p of probe.phones ?? []) {
      const k = phoneKey(p);
      const row = k ? this.byPhone.get(k) : undefined;
      if (row) note(row, 'phone');
    }
    return [...found.values()];
  }
}

/** An index over the live records of one kind. */
export function duplicateIndex(svc: CrmService, kind: 'contact' | 'account'): DuplicateIndex {
  const repo = new DuplicatesRepository(svc.db);
  return new DuplicateIndex(kind === 'contact' ? repo.contacts() : repo.accounts(), kind);
}

/** `duplicates.find`: possible duplicates of a record being created (or of an existing one). */
export function findDuplicates(
  svc: CrmService,
  input: ParsedInput<'duplicates.find'>,
): ChannelOutput<'duplicates.find'> {
  const matches = duplicateIndex(svc, input.entity).find(input, input.excludeId);
  return { matches: matches.slice(0, 20) };
}

/** List fields a merge unions instead of choosing one side. */
const UNION_FIELDS = new Set(['emails', 'phones', 'tags']);
const UNION_MAX: Record<string, number> = { emails: 20, phones: 20, tags: 50 };

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as readonly unknown[]) : [];
}

function union(a: unknown, b: unknown, max: number): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const v of [...asList(a), ...asList(b)]) {
    const k = JSON.stringify(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out.slice(0, max);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** When a consent decision was recorded, or null for none (the default of a new contact). */
function recordedAt(consent: unknown): number | null {
  if (typeof consent !== 'object' || consent === null) return null;
  const at: unknown = Reflect.get(consent, 'recordedAt');
  return typeof at === 'number' ? at : null;
}

/**
 * The consent a merged contact keeps: the more recently recorded decision of the two, whatever it
 * says (an opt-out recorded after an opt-in is the person's choice, and so is the reverse). A
 * decision always beats no decision, so merging never drops an opt-in or an opt-out.
 */
function mergedConsent(into: unknown, from: unknown): unknown {
  const a = recordedAt(into);
  const b = recordedAt(from);
  return b !== null && (a === null || b > a) ? from : into;
}

/**
 * `records.merge`: in one transaction through the change writer, `intoId` takes the fields named in
 * `take` from `fromId` (lists are unioned), every record pointing at `fromId` is re-pointed at
 * `intoId`, and `fromId` is deleted. Each step is an ordinary change, so the merge syncs.
 */
export function mergeRecords(
  svc: CrmService,
  input: ParsedInput<'records.merge'>,
): ChannelOutput<'records.merge'> {
  if (input.intoId === input.fromId)
    throw new AppError('VALIDATION', 'A record cannot be merged into itself');
  const def: EntityDef<unknown> = input.entity === 'contact' ? contactDef : accountDef;
  for (const f of input.take) {
    if (!Object.hasOwn(def.fields, f)) throw new AppError('VALIDATION', 'Unknown field to take');
  }
  return svc.tx(() => {
    const into = svc.get(def, input.intoId);
    const from = svc.get(def, input.fromId);
    if (into.deletedAt !== null || from.deletedAt !== null)
      throw new AppError('NOT_FOUND', 'Record not found');
    const patch: Record<string, unknown> = {};
    for (const f of Object.keys(def.fields)) {
      let value: unknown;
      if (f === CUSTOM_VALUES_FIELD) {
        // Custom values: the other record's fill the kept one's empty fields (or win, if taken).
        const fill = mergedCustom(svc.writer.customFields, def.kind, into, from, input.take.includes(f));
        if (Object.keys(fill).length > 0) patch[f] = fill;
        continue;
      }
      if (UNION_FIELDS.has(f)) value = union(into[f], from[f], UNION_MAX[f] ?? 50);
      else if (f === 'consent') value = mergedConsent(into[f], from[f]);
      else if (input.take.includes(f)) value = from[f];
      else continue;
      if (!same(value, into[f])) patch[f] = value;
    }
    if (Object.keys(patch).length > 0) svc.update(def, input.intoId, patch);
    const repo = new DuplicatesRepository(svc.db);
    let relinked = 0;
    const swap = (ids: unknown) =>
      union(
        asList(ids).map((x) => (x === input.fromId ? input.intoId : x)),
        [],
        50,
      );
    for (const ref of repo.referrers(input.entity, input.fromId)) {
      const refDef: EntityDef<unknown> = {
        contact: contactDef,
        deal: dealDef,
        activity: activityDef,
        task: taskDef,
      }[ref.entity];
      const record = svc.get(refDef, ref.id);
      const change: Record<string, unknown> = {};
      const key = input.entity === 'contact' ? 'contactId' : 'accountId';
      if (record[key] === input.fromId) change[key] = input.intoId;
      if (input.entity === 'contact') {
        for (const list of ['contactIds', 'attendeeIds']) {
          if (Array.isArray(record[list]) && (record[list] as unknown[]).includes(input.fromId)) {
            change[list] = swap(record[list]);
          }
        }
      }
      if (Object.keys(change).length > 0) {
        svc.update(refDef, ref.id, change);
        relinked++;
      }
    }
    svc.delete(def, input.fromId);
    return { id: input.intoId, relinked };
  });
}
