import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { WorkspaceMember } from '../../../shared/people/members';
import { Combobox } from '../components/Combobox';
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
 * A searchable combobox over the workspace's members: typing narrows by name, device name or team,
 * arrow keys move, Enter picks, Escape closes.
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
  useEffect(() => {
    if (!useMembersStore.getState().loaded)
      void useMembersStore
        .getState()
        .load()
        .catch(() => undefined);
  }, []);
  return (
    <Combobox
      label={props.label}
      placeholder={t('people.pickerHint')}
      query={query}
      onQuery={setQuery}
      options={matchMembers(members, query)}
      keyOf={(m) => m.memberId}
      nameOf={(m) => m.name}
      render={(m) => (
        <>
          {m.name}
          {m.team && <span className="muted small"> · {m.team}</span>}
          {m.isSelf && <span className="muted small"> ({t('people.you')})</span>}
        </>
      )}
      onPick={props.onPick}
      autoFocus={props.autoFocus}
      testId={props.testId}
    />
  );
}
