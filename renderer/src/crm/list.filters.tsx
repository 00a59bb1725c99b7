import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { EntityKind } from '../ui.store';
import { useListsStore } from './lists.store';
import { stageLabel, usePipelinesStore } from './pipelines.store';
import { OwnerScopeSelect } from '../people/OwnerScope';

/** The list's filter form: search text, owner scope, entity filters. */
export function Filters({ entity }: { entity: EntityKind }) {
  const { t } = useTranslation();
  const query = useListsStore((s) => s.lists[entity].query);
  const setQuery = useListsStore((s) => s.setQuery);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [draft, setDraft] = useState(query.filter);
  const id = useId();
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setQuery(entity, { ...query, filter: draft });
  };
  const text = (key: string, label: string) => (
    <div className="field compact">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={draft[key] ?? ''}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </div>
  );
  const pipeline = pipelines?.[0];
  const stages = pipeline?.stages ?? [];
  return (
    <form className="filters" onSubmit={apply} aria-label={t('lists.filter')}>
      {/* Whose records: by member, team or everyone; owners are members, never typed ids. */}
      <OwnerScopeSelect value={draft.scope} onChange={(scope) => setDraft({ ...draft, scope })} />
      {entity !== 'deal' && text('tag', t('fields.tags'))}
      {entity === 'deal' && (
        <>
          <div className="field compact">
            <label htmlFor={`${id}-stage`}>{t('fields.stageId')}</label>
            <select
              id={`${id}-stage`}
              value={draft.stageId ?? ''}
              onChange={(e) => setDraft({ ...draft, stageId: e.target.value })}
            >
              <option value="">{t('lists.all')}</option>
              {stages.map((s) => (
                <option key={s.id} value={s.id}>
                  {pipeline ? stageLabel(pipeline.id, s, t) : s.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field compact">
            <label htmlFor={`${id}-status`}>{t('fields.status')}</label>
            <select
              id={`${id}-status`}
              value={draft.status ?? ''}
              onChange={(e) => setDraft({ ...draft, status: e.target.value })}
            >
              <option value="">{t('lists.all')}</option>
              {(['open', 'won', 'lost'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`dealStatus.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
      <button type="submit">{t('lists.filter')}</button>
    </form>
  );
}
