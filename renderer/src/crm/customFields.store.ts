import { create } from 'zustand';
import type { TFunction } from 'i18next';
import type { CustomField, CustomFieldEntity } from '../../../shared/domain/crm.schemas';
import { byPosition, type CustomFilter } from '../../../shared/domain/custom-fields';
import { call } from '../api';
import { formatDate, formatMoney, formatNumber } from '../format';
import { registerReset } from '../reset';
import { onRecordsChanged } from './records.events';

interface CustomFieldsState {
  /** Every definition (archived ones included), in display order; null until loaded. */
  defs: CustomField[] | null;
  /** Custom columns shown in each list, by definition id (this window's choice). */
  columns: Readonly<Record<CustomFieldEntity, readonly string[]>>;
  load: () => Promise<CustomField[]>;
  reload: () => Promise<CustomField[]>;
  toggleColumn: (entity: CustomFieldEntity, id: string) => void;
}

const COLUMNS_KEY = 'fieldvault.customColumns';
const noColumns = { account: [], contact: [], deal: [] } as const;

function storedColumns(): CustomFieldsState['columns'] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    if (raw && typeof raw === 'object') {
      const pick = (k: CustomFieldEntity): string[] => {
        const v = (raw as Record<string, unknown>)[k];
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 50) : [];
      };
      return { account: pick('account'), contact: pick('contact'), deal: pick('deal') };
    }
  } catch {
    // A damaged preference only costs the chosen columns.
  }
  return noColumns;
}

/** Custom field definitions (workspace data, synced) and which of them the lists show as columns. */
export const useCustomFieldsStore = create<CustomFieldsState>((set, get) => ({
  defs: null,
  columns: storedColumns(),
  load: async () => get().defs ?? get().reload(),
  reload: async () => {
    // At most MAX_CUSTOM_FIELDS (200) exist: one page.
    const page = await call('customFields.list', { limit: 200, sort: { field: 'position', dir: 'asc' } });
    const defs = [...page.items].sort(byPosition);
    set({ defs });
    return defs;
  },
  toggleColumn: (entity, id) => {
    const shown = get().columns[entity];
    const next = shown.includes(id) ? shown.filter((x) => x !== id) : [...shown, id];
    const columns = { ...get().columns, [entity]: next };
    set({ columns });
    try {
      localStorage.setItem(COLUMNS_KEY, JSON.stringify(columns));
    } catch {
      // Storage full or off: the choice lasts for this window only.
    }
  },
}));

onRecordsChanged((change) => {
  if (!change.has('customField') || useCustomFieldsStore.getState().defs === null) return;
  return useCustomFieldsStore.getState().reload();
});
registerReset(() => useCustomFieldsStore.setState({ defs: null }));

/** The live, unarchived fields of an entity in display order (forms, filters, columns). */
export function activeFields(defs: readonly CustomField[] | null, entity: CustomFieldEntity): CustomField[] {
  return (defs ?? []).filter((d) => d.entity === entity && !d.archived && d.deletedAt === null);
}

/** A custom value as a list cell or read-only text shows it. */
export function showCustomValue(def: CustomField, value: unknown, t: TFunction): string {
  if (value === undefined || value === null) return '';
  const option = (id: unknown) =>
    def.options.find((o) => o.id === id)?.label ?? t('customFields.unknownOption');
  switch (def.kind) {
    case 'text':
      return typeof value === 'string' ? value : '';
    case 'number':
      return typeof value === 'number' ? formatNumber(value) : '';
    case 'money':
      return typeof value === 'number' ? formatMoney(value, def.currency ?? 'EUR') : '';
    case 'date':
      return typeof value === 'string' ? formatDate(value) : '';
    case 'select':
      return option(value);
    case 'multiSelect':
      return Array.isArray(value) ? value.map(option).join(', ') : '';
    case 'checkbox':
      return value === true ? t('customFields.yes') : t('customFields.no');
  }
}

/** A list filter's custom conditions, with those on fields no longer offered dropped. */
export function liveFilters(
  filters: readonly CustomFilter[] | undefined,
  defs: readonly CustomField[] | null,
): CustomFilter[] {
  if (!filters || !defs) return [...(filters ?? [])];
  const live = new Set(defs.filter((d) => d.deletedAt === null).map((d) => d.id));
  return filters.filter((f) => live.has(f.field));
}
