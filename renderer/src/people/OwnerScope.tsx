import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { scopeOf, type OwnerScope } from './members.store';

/** "Everyone / My records / My team": whose records a list, the board or the dashboard shows. */
export function OwnerScopeSelect(props: {
  value: string | undefined;
  onChange: (scope: OwnerScope) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field compact">
      <label htmlFor={id}>{t('people.scope')}</label>
      <select
        id={id}
        value={scopeOf(props.value)}
        onChange={(e) => props.onChange(scopeOf(e.target.value))}
        data-testid="owner-scope"
      >
        <option value="">{t('people.scopeAll')}</option>
        <option value="mine">{t('people.scopeMine')}</option>
        <option value="team">{t('people.scopeTeam')}</option>
      </select>
    </div>
  );
}
