import type { Pipeline, Stage } from '../../../shared/domain/crm.schemas';
import { AppError } from '../../../shared/errors';
import { accountDef, contactDef, dealDef, pipelineDef, type EntityDef } from './crm.entities';
import type { RecordData, RecordsRepository } from './records.repository';

/** Same value for change detection: JSON identity (field values are plain JSON data). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b || (a == null && b == null)) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * References must name live records; a deal's stage must belong to its pipeline; a pipeline edit may
 * not remove a stage that still has deals. Only fields that change (against `current`) are checked.
 */
export function checkRefs<T>(
  records: RecordsRepository,
  def: EntityDef<T>,
  fields: Readonly<Record<string, unknown>>,
  current: RecordData | null,
): void {
  const need = (target: EntityDef<unknown>, id: unknown) => {
    if (typeof id === 'string' && !records.exists(target, id))
      throw new AppError('NOT_FOUND', `No such ${target.kind}`);
  };
  const changed = (f: string) => !current || !same(current[f], fields[f]);
  if ('accountId' in def.fields && changed('accountId')) need(accountDef, fields.accountId);
  if ('contactId' in def.fields && changed('contactId')) need(contactDef, fields.contactId);
  if ('dealId' in def.fields && changed('dealId')) need(dealDef, fields.dealId);
  if (def.kind === 'activity' && changed('attendeeIds'))
    for (const c of fields.attendeeIds as string[]) need(contactDef, c);
  if (def.kind === 'deal') {
    if (changed('contactIds')) for (const c of fields.contactIds as string[]) need(contactDef, c);
    if (changed('pipelineId') || changed('stageId')) {
      const pipeline = records.get(pipelineDef, fields.pipelineId as string);
      if (!pipeline || pipeline.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such pipeline');
      const stages = pipeline.stages as Pipeline['stages'];
      if (!stages.some((st) => st.id === fields.stageId))
        throw new AppError('VALIDATION', 'The stage is not part of the pipeline');
    }
  }
  if (def.kind === 'pipeline' && current && changed('stages')) {
    const kept = new Set((fields.stages as Stage[]).map((st) => st.id));
    const removed = (current.stages as Stage[]).map((st) => st.id).filter((sid) => !kept.has(sid));
    if (records.countDeals(current.id, removed) > 0)
      throw new AppError('CONFLICT', 'A removed stage still has deals');
  }
}
