import type { Account, Contact, Deal, Pipeline } from '../../../shared/domain/crm.schemas';
import { DEFAULT_STAGES } from '../../../shared/domain/crm.seed';
import type { CustomFilter } from '../../../shared/domain/custom-fields';
import { call } from '../api';
import { i18n } from '../i18n/i18n';
import { defaultCurrency } from '../locale.input';
import { useSettingsStore } from '../settings.store';
import type { EntityKind } from '../ui.store';
import { scopedFilter } from '../people/members.store';

export type AnyRecord = Account | Contact | Deal;

export interface ListQuery {
  readonly sort: { field: string; dir: 'asc' | 'desc' };
  readonly filter: Readonly<Record<string, string>>;
  /** Conditions on custom fields (all must hold). */
  readonly custom?: readonly CustomFilter[];
}

export interface Page {
  readonly items: AnyRecord[];
  readonly nextCursor: string | null;
  readonly total: number;
  /** Stored rows that broke their schema and were left out of the page. */
  readonly skipped: number;
}

/** Empty filter values mean "no filter"; the channel schemas reject empty strings. */
export function clean(filter: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
}

/** One page of a list, through the entity's own `*.list` channel. */
export async function listPage(
  entity: EntityKind,
  query: ListQuery,
  cursor: string | null,
  limit = 200,
): Promise<Page> {
  const base = { limit, ...(cursor ? { cursor } : {}) };
  const filter = {
    ...(await scopedFilter(entity, clean(query.filter))),
    ...(query.custom && query.custom.length > 0 ? { custom: [...query.custom] } : {}),
  };
  switch (entity) {
    case 'account':
      return call('accounts.list', {
        ...base,
        filter,
        sort: { field: query.sort.field, dir: query.sort.dir },
      });
    case 'contact':
      return call('contacts.list', {
        ...base,
        filter,
        sort: { field: query.sort.field, dir: query.sort.dir },
      });
    case 'deal':
      return call('deals.list', {
        ...base,
        filter: filter,
        sort: {
          field: query.sort.field,
          dir: query.sort.dir,
        },
      });
  }
}

export function getRecord(entity: EntityKind, id: string): Promise<AnyRecord> {
  switch (entity) {
    case 'account':
      return call('accounts.get', { id });
    case 'contact':
      return call('contacts.get', { id });
    case 'deal':
      return call('deals.get', { id });
  }
}

export function updateRecord(
  entity: EntityKind,
  id: string,
  patch: Record<string, unknown>,
): Promise<AnyRecord> {
  switch (entity) {
    case 'account':
      return call('accounts.update', { id, patch });
    case 'contact':
      return call('contacts.update', { id, patch });
    case 'deal':
      return call('deals.update', { id, patch });
  }
}

/** The pipelines, creating the default one on first use so deals always have a place. */
export async function ensurePipelines(): Promise<Pipeline[]> {
  const page = await call('pipelines.list', { limit: 50, sort: { field: 'createdAt', dir: 'asc' } });
  if (page.items.length > 0) return page.items;
  // Stage names are data once created: name them in the language the rep uses at that moment.
  const created = await call('pipelines.create', {
    name: i18n.t('stages.defaultPipeline'),
    stages: DEFAULT_STAGES.map((s) => ({
      id: s.id,
      probability: s.probability,
      name: i18n.t(`stages.${s.id}`),
    })),
  });
  return [created];
}

/** The currency a new deal starts with: the one chosen in Settings, else the input locale's. */
export function newDealCurrency(): string {
  return defaultCurrency(useSettingsStore.getState().settings.currency);
}

/** Creates a record by name; a contact may come with its first e-mail and phone. */
export async function createRecord(
  entity: EntityKind,
  name: string,
  contact: { emails?: string[]; phones?: string[] } = {},
): Promise<AnyRecord> {
  switch (entity) {
    case 'account':
      return call('accounts.create', { name });
    case 'contact':
      return call('contacts.create', { name, ...contact });
    case 'deal': {
      const [pipeline] = await ensurePipelines();
      const stage = pipeline?.stages[0];
      if (!pipeline || !stage) throw new Error('no pipeline');
      return call('deals.create', {
        name,
        pipelineId: pipeline.id,
        stageId: stage.id,
        currency: newDealCurrency(),
      });
    }
  }
}

/** Saves a file the main process produced (export) through a download link. */
export function download(file: { filename: string; mimeType: string; content: string }): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Start and end of the local day, for "today" and "overdue". */
export function dayBounds(now = new Date()): { start: number; end: number } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  return { start, end: start + 24 * 60 * 60 * 1000 };
}
