import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { teamsOf } from '../../../shared/people/members';
import { ownerLabel, scopeOf, useMembers, type OwnerScope } from './members.store';

/**
 * "Everyone / My records / My team / each team / each member": whose records a list, the board,
 * the agenda or the dashboard shows. One component for all of them, so every screen offers the
 * same choices; teams and members come from the workspace's members.
 */
export function OwnerScopeSelect(props: {
  value: string | undefined;
  onChange: (scope: OwnerScope) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const members = useMembers();
  const value = scopeOf(props.value);
  const teams = teamsOf(members);
  const active = members.filter((m) => m.status === 'active');
  // A saved view may name a member who has since left: it stays selectable under its stored id.
  const gone =
    value.startsWith('member:') && !active.some((m) => `member:${m.memberId}` === value)
      ? value
      : value.startsWith('team:') && !teams.some((tm) => `team:${tm.key}` === value)
        ? value
        : null;
  return (
    <div className="field compact">
      <label htmlFor={id}>{t('people.scope')}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => props.onChange(scopeOf(e.target.value))}
        data-testid="owner-scope"
      >
        <option value="">{t('people.scopeAll')}</option>
        <option value="mine">{t('people.scopeMine')}</option>
        <option value="team">{t('people.scopeTeam')}</option>
        {teams.length > 0 && (
          <optgroup label={t('people.scopeTeams')}>
            {teams.map((tm) => (
              <option key={tm.key} value={`team:${tm.key}`}>
                {tm.name}
              </option>
            ))}
          </optgroup>
        )}
        {active.length > 1 && (
          <optgroup label={t('people.scopeMembers')}>
            {active.map((m) => (
              <option key={m.memberId} value={`member:${m.memberId}`}>
                {m.name}
              </option>
            ))}
          </optgroup>
        )}
        {gone && <option value={gone}>{ownerLabel(members, gone.slice(gone.indexOf(':') + 1))}</option>}
      </select>
    </div>
  );
}
