import { AppError } from '../../../shared/errors';
import { entityKindSchema } from '../../../shared/domain/crm.schemas';
import { randomId } from '../../../shared/sync/device-keys';
import type { Conflict } from '../../../shared/sync/sync.contract';
import type { Change, ChangePipeline, DetectedConflict } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import type { ConflictRow, SyncRepository } from './sync.repository';

function jsonValue(text: string | null): string | number | boolean | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  } catch {
    return null;
  }
}

/** The field names a remote change writes (none when erased or malformed). */
function fieldNames(fields: string | null): string[] {
  if (fields === null) return [];
  try {
    const parsed = JSON.parse(fields) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}

/** Conflicts worth a human: recorded while pulling, listed, resolved by a local write. */
export class SyncConflicts {
  constructor(
    private readonly repo: SyncRepository,
    private readonly pipeline: () => ChangePipeline,
    private readonly logger: Logger,
  ) {}

  list(): Conflict[] {
    return this.repo.openConflicts().map((c) => ({
      conflictId: c.conflictId,
      entity: c.entity,
      recordId: c.recordId,
      field: c.field,
      current: { value: jsonValue(c.currentValue), hlc: c.currentHlc, deviceId: c.currentDevice },
      other: { value: jsonValue(c.otherValue), hlc: c.otherHlc, deviceId: c.otherDevice },
      detectedAt: new Date(c.detectedAt).toISOString(),
    }));
  }

  /** Keeps one side: a new local write (a fresh stamp above everything seen) that syncs like any edit. */
  resolve(conflictId: string, keep: 'current' | 'other', at: number): { conflictId: string } {
    const c = this.repo.conflict(conflictId);
    if (!c) throw new AppError('NOT_FOUND', 'No such conflict');
    if (c.resolvedAt !== null) throw new AppError('CONFLICT', 'The conflict is already resolved');
    const entity = entityKindSchema.safeParse(c.entity);
    if (!entity.success) throw new AppError('VALIDATION', 'The conflict names an unknown entity');
    const pipeline = this.pipeline();
    pipeline.transaction(() => {
      pipeline.writeField(
        entity.data,
        c.recordId,
        c.field,
        keep === 'current' ? c.currentValue : c.otherValue,
      );
      this.repo.resolveConflict(conflictId, at);
    });
    return { conflictId };
  }

  /** Stores conflicts detected while applying a page (inside its transaction). */
  record(conflicts: readonly DetectedConflict[], at: number, name: (hlcDeviceId: string) => string): void {
    for (const c of conflicts) this.repo.addConflict(conflictRow(c, at, name));
  }

  /**
   * Closes open conflicts that an applied change supersedes: a resolution from another device (both
   * devices may have recorded the same conflict when their cycles overlapped) or any later write of
   * that record and field, stamped above both conflicting values. LWW already shows its value.
   */
  closeSuperseded(changes: readonly Change[], ownDeviceId: string, at: number): void {
    // Almost always there is nothing open: skip the per-field work (it tripled a 1M-op bootstrap).
    if (!this.repo.hasOpenConflicts()) return;
    const newest = new Map<string, { recordId: string; field: string; hlc: string }>();
    for (const change of changes) {
      // Our own changes come back in pulls too; only another device's write closes a conflict here.
      if (change.deviceId === ownDeviceId) continue;
      for (const field of fieldNames(change.fields)) {
        const key = JSON.stringify([change.recordId, field]);
        const cur = newest.get(key);
        if (!cur || change.hlc > cur.hlc)
          newest.set(key, { recordId: change.recordId, field, hlc: change.hlc });
      }
    }
    let closed = 0;
    for (const n of newest.values())
      closed += this.repo.closeSupersededConflicts(n.recordId, n.field, n.hlc, at);
    if (closed > 0) this.logger.log('info', 'sync.conflictsSuperseded', { count: closed });
  }
}

function conflictRow(c: DetectedConflict, at: number, name: (hlcDeviceId: string) => string): ConflictRow {
  return {
    conflictId: randomId(),
    entity: c.entity,
    recordId: c.recordId,
    field: c.field,
    currentValue: c.current.value,
    currentHlc: c.current.hlc,
    currentDevice: name(c.current.deviceId),
    otherValue: c.other.value,
    otherHlc: c.other.hlc,
    otherDevice: name(c.other.deviceId),
    detectedAt: at,
  };
}
