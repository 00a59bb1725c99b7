import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { NO_FILTER, type BoardFilter } from './board.data';
import { OwnerScopeSelect } from '../people/OwnerScope';

/** Whose deals (the members' owner scope), expected close month and amount range of the board; applied on submit. */
export function BoardFilters(props: { filter: BoardFilter; onChange: (f: BoardFilter) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(props.filter);
  const id = useId();
  const set = (k: keyof BoardFilter) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onChange(draft);
  };
  return (
    <form
      className="filters"
      onSubmit={submit}
      aria-label={t('deal.boardFilters')}
      data-testid="board-filters"
    >
      <OwnerScopeSelect value={draft.scope} onChange={(scope) => setDraft((d) => ({ ...d, scope }))} />
      <div className="field compact">
        <label htmlFor={`${id}-month`}>{t('deal.closeMonth')}</label>
        <input
          id={`${id}-month`}
          type="month"
          value={draft.closeMonth}
          onChange={set('closeMonth')}
          data-testid="board-month"
        />
      </div>
      <div className="field compact">
        <label htmlFor={`${id}-min`}>{t('deal.minAmount')}</label>
        <input
          id={`${id}-min`}
          inputMode="decimal"
          value={draft.minAmount}
          onChange={set('minAmount')}
          data-testid="board-min"
        />
      </div>
      <div className="field compact">
        <label htmlFor={`${id}-max`}>{t('deal.maxAmount')}</label>
        <input
          id={`${id}-max`}
          inputMode="decimal"
          value={draft.maxAmount}
          onChange={set('maxAmount')}
          data-testid="board-max"
        />
      </div>
      <button type="submit" className="primary" data-testid="board-apply">
        {t('deal.apply')}
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft(NO_FILTER);
          props.onChange(NO_FILTER);
        }}
      >
        {t('deal.clear')}
      </button>
    </form>
  );
}
