import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { WorkspaceMember } from '../../../shared/people/members';
import { useMembersStore } from './members.store';

/** Members whose name, device name or team contains the query (case-insensitively), active first. */
export function matchMembers(members: readonly WorkspaceMember[], query: string): WorkspaceMember[] {
  const q = query.trim().toLocaleLowerCase();
  return members
    .filter((m) => m.status === 'active')
    .filter(
      (m) =>
        q === '' ||
        m.name.toLocaleLowerCase().includes(q) ||
        (m.deviceName?.toLocaleLowerCase().includes(q) ?? false) ||
        (m.team?.toLocaleLowerCase().includes(q) ?? false),
    );
}

/**
 * A searchable combobox over the workspace's members (the WAI-ARIA pattern of `RecordPicker`):
 * typing narrows by name or team, arrow keys move, Enter picks, Escape closes.
 */
export function OwnerPicker(props: {
  label: string;
  onPick: (member: WorkspaceMember) => void;
  autoFocus?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const members = useMembersStore((s) => s.members);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const id = useId();
  useEffect(() => {
    if (!useMembersStore.getState().loaded)
      void useMembersStore
        .getState()
        .load()
        .catch(() => undefined);
  }, []);
  const items = matchMembers(members, query);
  const clamped = Math.min(active, Math.max(0, items.length - 1));
  const pick = (m: WorkspaceMember) => {
    props.onPick(m);
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
        placeholder={t('people.pickerHint')}
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
          {items.map((m, k) => (
            <li
              key={m.memberId}
              id={`${id}-o${k}`}
              role="option"
              aria-selected={k === clamped}
              className={k === clamped ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(m);
              }}
              data-option={m.name}
            >
              {m.name}
              {m.team && <span className="muted small"> · {m.team}</span>}
              {m.isSelf && <span className="muted small"> ({t('people.you')})</span>}
            </li>
          ))}
          {items.length === 0 && (
            <li className="muted" role="presentation">
              {t('palette.empty')}
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
