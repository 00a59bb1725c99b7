import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Deal, Pipeline } from '../../../shared/domain/crm.schemas';
import { entityRegistry, type ListColumnSpec } from '../../../shared/domain/entity.registry';
import { formatDate, formatMoney } from '../format';
import type { EntityKind } from '../ui.store';
import type { AnyRecord } from './crm.data';
import { stageName, usePipelinesStore } from './pipelines.store';
import { useCustomFieldsStore } from './customFields.store';
import { customColumns } from './CustomListTools';
import { OwnerName } from '../people/OwnerName';

/** One column of a list: header, optional sort field, grid width and cell. */
export interface Column {
  readonly key: string;
  readonly label: string;
  /** Sort field of the channel, when this column can sort. */
  readonly sort?: string;
  readonly width: string;
  readonly render: (record: AnyRecord) => ReactNode;
}

/** The columns of an entity's list, in the current language. */
export function useColumns(entity: EntityKind): Column[] {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const defs = useCustomFieldsStore((s) => s.defs);
  const shown = useCustomFieldsStore((s) => s.columns[entity]);
  return useMemo(
    () => buildColumns(entity, t, pipelines, customColumns(entity, defs, shown, t)),
    [entity, t, pipelines, defs, shown],
  );
}

const textOf = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** How a cell shows its field, by the registry's `show` kind. */
function cellOf(
  column: ListColumnSpec,
  t: TFunction,
  pipelines: Pipeline[] | null,
): (record: AnyRecord) => ReactNode {
  const value = (r: AnyRecord): unknown => (r as Record<string, unknown>)[column.field];
  switch (column.show) {
    case 'first':
      return (r) => textOf(listOf(value(r))[0]);
    case 'join':
      return (r) => listOf(value(r)).map(textOf).join(', ');
    case 'money':
      return (r) => {
        const minor = value(r);
        return typeof minor === 'number' ? formatMoney(minor, (r as Deal).currency) : '';
      };
    case 'date':
      return (r) => {
        const date = value(r);
        return typeof date === 'string' || typeof date === 'number' ? formatDate(date) : '';
      };
    case 'stage':
      return (r) => stageName(pipelines, (r as Deal).pipelineId, (r as Deal).stageId, t);
    case 'status':
      return (r) => t(`dealStatus.${(r as Deal).status}`);
    case 'member':
      return (r) => {
        const owner = value(r);
        return <OwnerName owner={typeof owner === 'string' ? owner : null} />;
      };
    case null:
      return (r) => textOf(value(r));
  }
}

function buildColumns(
  entity: EntityKind,
  t: TFunction,
  pipelines: Pipeline[] | null,
  custom: readonly Column[],
): Column[] {
  const specs: readonly ListColumnSpec[] = entityRegistry[entity].listColumns;
  const fields = specs.map((c): Column => ({
    key: c.field,
    label: t(`fields.${c.field}`),
    ...(c.sortable ? { sort: c.field } : {}),
    width: c.width,
    render: cellOf(c, t, pipelines),
  }));
  // A record meta column, not a field: every list ends with it.
  const updated: Column = {
    key: 'updatedAt',
    label: t('fields.updatedAt'),
    sort: 'updatedAt',
    width: '160px',
    render: (r) => formatDate(r.updatedAt),
  };
  return [...fields, ...custom, updated];
}
