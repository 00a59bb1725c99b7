import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api';

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
    const found = await call('search.query', { q, limit: PAGE, entities: [entity] });
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
 * page). Arrow keys move, Enter picks, Escape closes.
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
  const [active, setActive] = useState(0);
  const id = useId();
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
  const items = result.items.filter((r) => !excluded.has(r.id));
  const clamped = Math.min(active, Math.max(0, items.length - 1));
  const pick = (record: PickedRecord) => {
    onPick(record);
    setQuery('');
    setOpen(false);
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActive(Math.min(clamped + 1, items.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive(Math.max(clamped - 1, 0));
    } else if (event.key === 'Enter' && open && items[clamped]) {
      event.preventDefault();
      pick(items[clamped]);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
    }
  };
  return (
    <div className="picker">
      <label htmlFor={`${id}-input`}>{props.label}</label>
      <input
        id={`${id}-input`}
        role="combobox"
        aria-expanded={open}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={open && items[clamped] ? `${id}-o${clamped}` : undefined}
        autoFocus={props.autoFocus}
        value={query}
        placeholder={t('day.pickerHint')}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKey}
        data-testid={props.testId}
      />
      {open && (
        <ul className="picker-list" role="listbox" id={`${id}-list`} aria-label={props.label}>
          {items.map((r, k) => (
            <li
              key={r.id}
              id={`${id}-o${k}`}
              role="option"
              aria-selected={k === clamped}
              className={k === clamped ? 'active' : undefined}
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(r);
              }}
              data-option={r.name}
            >
              {r.name}
            </li>
          ))}
          {items.length === 0 && result.q === query.trim() && (
            <li className="muted" role="presentation">
              {t('palette.empty')}
            </li>
          )}
          {result.next && (
            <li role="presentation">
              <button
                type="button"
                className="link"
                tabIndex={-1}
                onMouseDown={(e) => {
                  e.preventDefault();
                  more();
                }}
              >
                {t('day.more')}
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
