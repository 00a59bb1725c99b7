import type { TFunction } from 'i18next';
import type { Deal, Pipeline } from '../../../shared/domain/crm.schemas';
import type { EntityKind } from '../ui.store';
import type { AnyRecord } from './crm.data';
import { stageName } from './pipelines.store';

/** The fields each list can group its rows by. */
export const GROUP_FIELDS: Readonly<Record<EntityKind, readonly string[]>> = {
  account: ['ownerId', 'industry'],
  contact: ['ownerId', 'accountId', 'title'],
  deal: ['ownerId', 'stageId', 'status', 'accountId', 'currency'],
};

/** One group of the loaded rows, in display order. */
export interface RowGroup {
  readonly key: string;
  readonly label: string;
  readonly records: AnyRecord[];
}

const valueOf = (record: AnyRecord, field: string): string => {
  const value = (record as Record<string, unknown>)[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

/**
 * The loaded rows grouped by a field: groups in order of their label (records without a value last),
 * rows within a group in the list's order. `names` resolves account ids (undefined while loading),
 * `ownerName` an owner value to its member's name.
 */
export function groupRows(
  records: readonly AnyRecord[],
  field: string,
  t: TFunction,
  pipelines: Pipeline[] | null,
  names: (id: string) => string | null | undefined,
  ownerName: (owner: string) => string = (owner) => owner,
): RowGroup[] {
  const groups = new Map<string, AnyRecord[]>();
  for (const r of records) {
    const key = valueOf(r, field);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const label = (key: string, first: AnyRecord): string => {
    if (key === '') return t('views.noValue');
    if (field === 'stageId') return stageName(pipelines, (first as Deal).pipelineId, key, t);
    if (field === 'status') return t(`dealStatus.${(first as Deal).status}`);
    if (field === 'accountId') return names(key) ?? key;
    if (field === 'ownerId') return ownerName(key);
    return key;
  };
  const out = [...groups].map(([key, rows]) => ({ key, label: label(key, rows[0]!), records: rows }));
  // Stages in pipeline order, statuses open-won-lost; other values by their label.
  const rank = (g: RowGroup): number => {
    if (field === 'status') return ['open', 'won', 'lost'].indexOf(g.key);
    if (field !== 'stageId') return 0;
    const pipeline = pipelines?.find((p) => p.id === (g.records[0] as Deal).pipelineId);
    return pipeline?.stages.findIndex((s) => s.id === g.key) ?? 0;
  };
  return out.sort((a, b) =>
    a.key === ''
      ? 1
      : b.key === ''
        ? -1
        : rank(a) - rank(b) || a.label.localeCompare(b.label) || a.key.localeCompare(b.key),
  );
}
