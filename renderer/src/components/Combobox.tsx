import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { composing } from '../keys';

/**
 * A searchable combobox (the WAI-ARIA combobox pattern with a listbox), for pickers whose options
 * come from elsewhere: the caller owns the query and the options, this owns the keyboard and the
 * list. Arrow keys move, Enter picks, Escape closes (without closing a dialog around it). A list
 * with more to load ends in a "More" option, reached and taken like any other.
 */
export function Combobox<T>(props: {
  label: string;
  placeholder: string;
  query: string;
  onQuery: (query: string) => void;
  /** Opened or closed: a caller that reads its options only while open listens here. */
  onOpenChange?: (open: boolean) => void;
  options: readonly T[];
  keyOf: (option: T) => string;
  /** The option's name (shown unless `render` says more, and the test hook `data-option`). */
  nameOf: (option: T) => string;
  render?: (option: T) => ReactNode;
  onPick: (option: T) => void;
  /** Whether "no matches" may be said (false while the options for the query are still coming). */
  settled?: boolean;
  /** More options exist: the list ends in an option named `label` that calls `load`. */
  more?: { readonly label: string; readonly load: () => void } | null;
  autoFocus?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const { options, onOpenChange } = props;
  const [open, setOpenState] = useState(false);
  const [active, setActive] = useState(0);
  const id = useId();
  const setOpen = (next: boolean) => {
    setOpenState(next);
    onOpenChange?.(next);
  };
  const more = props.more ?? null;
  // The "More" option sits at index options.length.
  const last = options.length - (more ? 0 : 1);
  const clamped = Math.min(active, Math.max(0, last));
  const activeId = !open
    ? undefined
    : options[clamped] !== undefined
      ? `${id}-o${clamped}`
      : more
        ? `${id}-more`
        : undefined;
  // The list scrolls with the keyboard: the active option is always in view.
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: 'nearest' });
  }, [activeId]);
  const pick = (option: T) => {
    props.onPick(option);
    props.onQuery('');
    setOpen(false);
  };
  const onKey = (event: KeyboardEvent) => {
    if (composing(event)) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActive(Math.min(clamped + 1, last));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive(Math.max(clamped - 1, 0));
    } else if (event.key === 'Enter' && open && options[clamped] !== undefined) {
      event.preventDefault();
      pick(options[clamped]);
    } else if (event.key === 'Enter' && open && more && clamped === options.length) {
      // The active option stays at this index: the first of the loaded page.
      event.preventDefault();
      more.load();
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
        aria-activedescendant={activeId}
        autoFocus={props.autoFocus}
        value={props.query}
        placeholder={props.placeholder}
        onChange={(e) => {
          props.onQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKey}
        data-testid={props.testId}
      />
      {open && (
        <ul
          className="picker-list"
          role="listbox"
          id={`${id}-list`}
          aria-label={props.label}
          // A scrolling list is a Tab stop of its own in Chromium; Tab then landed on a list the
          // input's blur removes, and focus fell to <body>. The input owns the keyboard.
          tabIndex={-1}
        >
          {options.map((option, k) => (
            <li
              key={props.keyOf(option)}
              id={`${id}-o${k}`}
              role="option"
              aria-selected={k === clamped}
              className={k === clamped ? 'active' : undefined}
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(option);
              }}
              data-option={props.nameOf(option)}
            >
              {props.render ? props.render(option) : props.nameOf(option)}
            </li>
          ))}
          {options.length === 0 && (props.settled ?? true) && (
            <li className="muted" role="presentation">
              {t('palette.empty')}
            </li>
          )}
          {more && (
            <li
              id={`${id}-more`}
              role="option"
              aria-selected={clamped === options.length}
              className={clamped === options.length ? 'active more' : 'more'}
              onMouseDown={(e) => {
                e.preventDefault();
                more.load();
              }}
              data-testid="picker-more"
            >
              {more.label}
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
