import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Account, Contact, Deal, Pipeline } from '../../../shared/domain/crm.schemas';
import { formatDate, formatMoney } from '../format';
import type { EntityKind } from '../ui.store';
import type { AnyRecord } from './crm.data';
import { stageName, usePipelinesStore } from './pipelines.store';

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
  return useMemo(() => buildColumns(entity, t, pipelines), [entity, t, pipelines]);
}

function buildColumns(entity: EntityKind, t: TFunction, pipelines: Pipeline[] | null): Column[] {
  const updated: Column = {
    key: 'updatedAt',
    label: t('fields.updatedAt'),
    sort: 'updatedAt',
    width: '160px',
    render: (r) => formatDate(r.updatedAt),
  };
  const owner: Column = {
    key: 'ownerId',
    label: t('fields.ownerId'),
    width: '140px',
    render: (r) => r.ownerId ?? '',
  };
  if (entity === 'account') {
    return [
      {
        key: 'name',
        label: t('fields.name'),
        sort: 'name',
        width: 'minmax(180px, 2fr)',
        render: (r) => r.name,
      },
      {
        key: 'industry',
        label: t('fields.industry'),
        width: '1fr',
        render: (r) => (r as Account).industry ?? '',
      },
      owner,
      { key: 'tags', label: t('fields.tags'), width: '1fr', render: (r) => (r as Account).tags.join(', ') },
      updated,
    ];
  }
  if (entity === 'contact') {
    return [
      {
        key: 'name',
        label: t('fields.name'),
        sort: 'name',
        width: 'minmax(160px, 2fr)',
        render: (r) => r.name,
      },
      { key: 'title', label: t('fields.title'), width: '1fr', render: (r) => (r as Contact).title ?? '' },
      {
        key: 'emails',
        label: t('fields.emails'),
        width: '1.4fr',
        render: (r) => (r as Contact).emails[0] ?? '',
      },
      {
        key: 'phones',
        label: t('fields.phones'),
        width: '1fr',
        render: (r) => (r as Contact).phones[0] ?? '',
      },
      updated,
    ];
  }
  return [
    {
      key: 'name',
      label: t('fields.name'),
      sort: 'name',
      width: 'minmax(160px, 2fr)',
      render: (r) => r.name,
    },
    {
      key: 'amountMinor',
      label: t('fields.amountMinor'),
      sort: 'amountMinor',
      width: '130px',
      render: (r) => formatMoney((r as Deal).amountMinor, (r as Deal).currency),
    },
    {
      key: 'stageId',
      label: t('fields.stageId'),
      width: '1fr',
      render: (r) => stageName(pipelines, (r as Deal).pipelineId, (r as Deal).stageId, t),
    },
    {
      key: 'status',
      label: t('fields.status'),
      width: '100px',
      render: (r) => t(`dealStatus.${(r as Deal).status}`),
    },
    {
      key: 'expectedCloseDate',
      label: t('fields.expectedCloseDate'),
      sort: 'expectedCloseDate',
      width: '160px',
      render: (r) => formatDate((r as Deal).expectedCloseDate),
    },
    updated,
  ];
}
