import type { ChannelOutput } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/errors';
import { CUSTOM_VALUES_FIELD, customOpField, customValuesOf } from '../../../shared/domain/custom-fields';
import { accountDef, activityDef, contactDef, dealDef, taskDef, type EntityDef } from './crm.entities';
import type { CrmService, Stamp } from './crm.service';
import { fieldOps } from './oplog.repository';
import type { RecordData } from './records.repository';
import { markErased } from './erasure.marks';
import { withSecureDelete } from '../db/secure-delete';

/** An erased contact keeps its id and stamps; its name is empty. */
function isErased(c: RecordData): boolean {
  return c.deletedAt !== null && c.name === '';
}

/** Everything held about one person (including a deleted, not yet erased, contact). */
export function exportPerson(
  svc: CrmService,
  contactId: string,
  now: number,
): ChannelOutput<'privacy.exportPerson'> {
  const contact = svc.records.get(contactDef, contactId);
  if (!contact || isErased(contact)) throw new AppError('NOT_FOUND', 'No such contact');
  const accountId = contact.accountId as string | null;
  const account = accountId ? svc.records.get(accountDef, accountId) : null;
  return {
    exportedAt: now,
    contact,
    account: account && account.deletedAt === null ? account : null,
    deals: svc.records.dealsWithContact(dealDef, contactId),
    activities: svc.records.linked(activityDef, 'contact_id', contactId),
    tasks: svc.records.linked(taskDef, 'contact_id', contactId),
    history: svc.oplog
      .forRecord(contactId)
      .flatMap(fieldOps)
      .map((op) => ({ field: op.field, value: op.value, hlc: op.hlc, deviceId: op.deviceId })),
  } as ChannelOutput<'privacy.exportPerson'>;
}

/** Field values that carry nothing about anyone: defaults, empty text for required names and titles. */
function blanksFor<T>(def: EntityDef<T>, current: RecordData): Record<string, unknown> {
  const blanks: Record<string, unknown> = {};
  for (const f of Object.keys(def.fields)) {
    if (f === CUSTOM_VALUES_FIELD) {
      // Custom values travel per field: each one the record holds is cleared by its own op.
      for (const id of Object.keys(customValuesOf(current))) blanks[customOpField(id)] = null;
      continue;
    }
    if (f in def.defaults) blanks[f] = def.defaults[f];
    else if (f === 'name' || f === 'title') blanks[f] = '';
    else blanks[f] = current[f];
  }
  return blanks;
}

function eraseRecord<T>(svc: CrmService, def: EntityDef<T>, record: RecordData, stamp: Stamp): void {
  // The erasure is logged with blank values, for sync to carry; the writer drops the values of the
  // record's older ops, blanks the row and removes its search entry (deletedAt is set).
  svc.write(
    def.kind,
    record.id,
    { ...blanksFor(def, record), deletedAt: record.deletedAt ?? stamp.at, erasedAt: stamp.at },
    stamp,
  );
}

/**
 * Erases a person: the contact and the activities and tasks that concern only them are blanked and
 * tombstoned, their op-log values dropped and their search rows removed physically (FTS5 secure-delete, crm migration 2);
 * activities and tasks that also belong to an account or deal, and deals, just lose the link.
 */
export function erasePerson(svc: CrmService, contactId: string): ChannelOutput<'privacy.erasePerson'> {
  return withSecureDelete(svc.db, () => eraseInTransaction(svc, contactId));
}

function eraseInTransaction(svc: CrmService, contactId: string): ChannelOutput<'privacy.erasePerson'> {
  return svc.tx(() => {
    const contact = svc.records.get(contactDef, contactId);
    if (!contact || isErased(contact)) throw new AppError('NOT_FOUND', 'No such contact');
    let erased = 0;
    const stamp = svc.stamp();
    {
      for (const def of [activityDef, taskDef] as EntityDef<unknown>[]) {
        for (const r of svc.records.linked(def, 'contact_id', contactId)) {
          if (r.accountId || r.dealId) svc.update(def, r.id, { contactId: null });
          else {
            eraseRecord(svc, def, r, stamp);
            erased++;
          }
        }
      }
      for (const d of svc.records.dealsWithContact(dealDef, contactId)) {
        const roles = { ...(d.contactRoles as Record<string, string>) };
        delete roles[contactId];
        svc.update(dealDef, d.id, {
          contactIds: (d.contactIds as string[]).filter((c) => c !== contactId),
          contactRoles: roles,
        });
      }
      // The person also leaves the attendee lists of the meetings that are kept.
      for (const a of svc.records.activitiesWithAttendee(activityDef, contactId))
        svc.update(activityDef, a.id, {
          attendeeIds: (a.attendeeIds as string[]).filter((c) => c !== contactId),
        });
      eraseRecord(svc, contactDef, contact, stamp);
      erased++;
      // Older backups now hold erased data, and the server's copy is owed a compaction (sync).
      markErased(svc.db, stamp.at);
    }
    return { contactId, erasedAt: stamp.at, recordsErased: erased };
  });
}
