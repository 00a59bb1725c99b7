import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api';
import { clipSearchQuery } from '../../../shared/ipc/channels/search.schemas';
import { Combobox } from './Combobox';

/** A record a reference can point at. */
export interface PickedRecord {
  readonly id: string;
  readonly name: string;
}

type PickEntity = 'account' | 'contact' | 'deal';

const PAGE = 50;

/** One page of `entity` by name (empty query) or ranked search hits (a query): never "the first 200". */
async function findRecords(
  entity: PickEntity,
  q: string,
  cursor: string | null,
): Promise<{ items: PickedRecord[]; next: string | null }> {
  if (q !== '') {
    const found = await call('search.query', { q: clipSearchQuery(q), limit: PAGE, entities: [entity] });
    return {
      items: found.hits.map((h) => ({ id: h.id, name: h.title.map((s) => s.text).join('') })),
      next: null,
    };
  }
  const input = {
    sort: { field: 'name' as const, dir: 'asc' as const },
    limit: PAGE,
    count: false,
    ...(cursor ? { cursor } : {}),
  };
  const page =
    entity === 'account'
      ? await call('accounts.list', input)
      : entity === 'contact'
        ? await call('contacts.list', input)
        : await call('deals.list', input);
  return { items: page.items.map((r) => ({ id: r.id, name: r.name })), next: page.nextCursor };
}

/**
 * A searchable, paged combobox over accounts, contacts or deals (WAI-ARIA combobox with a listbox):
 * typing searches the index, an empty box pages through all records by name ("More" loads the next
 * page).
 */
export function RecordPicker(props: {
  entity: PickEntity;
  label: string;
  onPick: (record: PickedRecord) => void;
  /** Ids not to offer (already picked). */
  exclude?: readonly string[];
  autoFocus?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const { entity, onPick } = props;
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<{ q: string; items: PickedRecord[]; next: string | null }>({
    q: '\u0000',
    items: [],
    next: null,
  });
  const serial = useRef(0);

  useEffect(() => {
    if (!open) return;
    const n = ++serial.current;
    const q = query.trim();
    void findRecords(entity, q, null).then(
      (r) => {
        if (n === serial.current) setResult({ q, ...r });
      },
      () => undefined,
    );
  }, [entity, open, query]);

  const more = () => {
    const { next, q } = result;
    if (!next) return;
    const n = ++serial.current;
    void findRecords(entity, q, next).then(
      (r) => {
        if (n === serial.current)
          setResult((prev) => ({ q, items: [...prev.items, ...r.items], next: r.next }));
      },
      () => undefined,
    );
  };
  const excluded = new Set(props.exclude ?? []);
  return (
    <Combobox
      label={props.label}
      placeholder={t('day.pickerHint')}
      query={query}
      onQuery={setQuery}
      onOpenChange={setOpen}
      options={result.items.filter((r) => !excluded.has(r.id))}
      keyOf={(r) => r.id}
      nameOf={(r) => r.name}
      onPick={onPick}
      settled={result.q === query.trim()}
      more={result.next ? { label: t('day.more'), load: more } : null}
      autoFocus={props.autoFocus}
      testId={props.testId}
    />
  );
}
