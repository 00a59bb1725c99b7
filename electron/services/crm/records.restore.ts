import { AppError } from '../../../shared/errors';
import type { EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';
import { ERASED } from './changes.validate';
import type { RecordData } from './records.repository';

/**
 * Undoes a delete: one local change that writes `deletedAt: null`, through the one writer, so the
 * restore syncs like the delete did (a later delete on another device still wins by HLC). A record
 * that was erased (privacy) stays gone: its values are blank and restoring it would resurrect a
 * tombstone, so that answers CONFLICT. A live record is answered as it is.
 */
export function restoreRecord<T>(svc: CrmService, def: EntityDef<T>, id: string): RecordData {
  return svc.tx(() => {
    const record = svc.records.get(def, id);
    if (!record) throw new AppError('NOT_FOUND', `No such ${def.kind}`);
    if (record.deletedAt === null) return record;
    const erased = svc.oplog
      .forRecord(id)
      .some((row) => row.fields !== null && row.fields.includes(`"${ERASED}"`));
    if (erased) throw new AppError('CONFLICT', 'An erased record cannot be restored');
    return svc.write(def.kind, id, { deletedAt: null }, svc.stamp());
  });
}
