import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useFocusBack } from '../focus';
import { composing } from '../keys';

/** One entry of the palette: a command or a search hit. */
export interface PaletteItem {
  readonly id: string;
  readonly label: string;
  /** Secondary text (record kind, shortcut). */
  readonly hint?: string;
  readonly group: string;
  /** What the item does; a promise that rejects keeps the palette open with the error shown. */
  readonly run: () => void | Promise<void>;
}

/**
 * Ctrl/Cmd+K: a combobox over commands and search hits. Arrow keys move, Enter runs, Escape closes.
 * `search` is called as the user types; it returns hits for the query (records), commands are filtered here.
 */
export function Palette(props: {
  commands: readonly PaletteItem[];
  search: (query: string) => Promise<PaletteItem[]>;
  onClose: () => void;
  labels: { title: string; placeholder: string; empty: string };
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  // Hits remember the query they answer, so stale results never show for a newer query.
  const [found, setFound] = useState<{ query: string; items: PaletteItem[] }>({ query: '', items: [] });
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = useId();
  const { search, commands, onClose } = props;
  const [error, setError] = useState<ErrorInfo | null>(null);

  // Focus comes back to where it was when the palette opened (if that is still on the page).
  useFocusBack();
  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  // The palette closes once the item has done its work; a failure stays on screen, typed text too.
  const runItem = async (item: PaletteItem) => {
    setError(null);
    try {
      await item.run();
      onClose();
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  useEffect(() => {
    let current = true;
    const q = query.trim();
    if (q.length === 0) return;
    const timer = window.setTimeout(() => {
      search(q).then(
        (items) => {
          if (current) setFound({ query: q, items });
        },
        (e: unknown) => {
          if (!current) return;
          setFound({ query: q, items: [] });
          setError(errorInfo(e));
        },
      );
    }, 80);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [query, search]);

  const items = useMemo(() => {
    const hits = found.query === query.trim() && found.query !== '' ? found.items : [];
    const q = query.trim().toLowerCase();
    const matching = commands.filter((c) => q === '' || c.label.toLowerCase().includes(q));
    return [...hits, ...matching];
  }, [commands, found, query]);
  const clamped = Math.min(active, Math.max(0, items.length - 1));

  const onKeyDown = (event: KeyboardEvent) => {
    if (composing(event)) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((clamped + 1) % Math.max(1, items.length));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((clamped - 1 + items.length) % Math.max(1, items.length));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const item = items[clamped];
      if (item) void runItem(item);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  return (
    <div className="overlay" onMouseDown={onClose} role="presentation">
      <div
        className="dialog palette"
        role="dialog"
        aria-modal="true"
        aria-label={props.labels.title}
        onMouseDown={(e) => e.stopPropagation()}
        data-testid="palette"
      >
        <input
          ref={inputRef}
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-label={props.labels.placeholder}
          aria-activedescendant={items[clamped] ? `${listId}-${clamped}` : undefined}
          placeholder={props.labels.placeholder}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          data-testid="palette-input"
        />
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
        <ul id={listId} role="listbox" aria-label={props.labels.title} className="palette-list">
          {items.map((item, index) => (
            <li
              key={item.id}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === clamped}
              className={index === clamped ? 'palette-item active' : 'palette-item'}
              onMouseEnter={() => setActive(index)}
              onClick={() => void runItem(item)}
            >
              <span className="palette-label">{item.label}</span>
              <span className="muted palette-hint">{item.hint ?? item.group}</span>
            </li>
          ))}
          {items.length === 0 && error === null && (
            <li className="muted palette-empty" role="presentation">
              {props.labels.empty}
            </li>
          )}
        </ul>
        <button type="button" className="sr-only" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </div>
  );
}
