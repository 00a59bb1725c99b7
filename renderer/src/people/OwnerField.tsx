import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { memberOfOwner } from '../../../shared/people/members';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { updateRecord, type AnyRecord } from '../crm/crm.data';
import type { EntityKind } from '../ui.store';
import { useMembersStore } from './members.store';
import { OwnerPicker } from './OwnerPicker';

/**
 * A member-typed field (the registry's `input: 'member'`, e.g. the owner of an account, contact or
 * deal) on its record page: the member it names (a free-text owner typed before members existed
 * shows as typed, and as its member when a name matches), and "Change" opens the member picker;
 * picking writes the member id through the writer.
 */
export function OwnerField(props: {
  entity: EntityKind;
  field: string;
  record: AnyRecord;
  onSaved: (r: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const members = useMembersStore((s) => s.members);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const { field } = props;
  const stored: unknown = (props.record as Record<string, unknown>)[field];
  const owner = typeof stored === 'string' ? stored : null;
  const member = memberOfOwner(members, owner);
  const save = async (ownerId: string | null) => {
    try {
      const updated = await updateRecord(props.entity, props.record.id, { [field]: ownerId });
      setEditing(false);
      props.onSaved(updated);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <div className={editing ? 'inline-field editing' : 'inline-field'}>
      <dt>{t(`fields.${field}`)}</dt>
      <dd>
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
        {editing ? (
          <>
            <OwnerPicker
              label={t('people.owner')}
              onPick={(m) => void save(m.memberId)}
              autoFocus
              testId="owner-picker"
            />
            {owner && (
              <button type="button" className="link" onClick={() => void save(null)}>
                {t('people.clear')}
              </button>
            )}
            <button type="button" className="link" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          <>
            <span className="value" data-field={field}>
              {member ? member.name : owner ? owner : <span className="muted">—</span>}
            </span>
            {owner && !member && <span className="muted small"> ({t('people.typed')})</span>}
            <button
              type="button"
              className="link"
              onClick={() => {
                if (!useMembersStore.getState().loaded)
                  void useMembersStore
                    .getState()
                    .load()
                    .catch(() => undefined);
                setEditing(true);
              }}
              aria-label={t('record.editField', { field: t(`fields.${field}`) })}
              data-edit={field}
            >
              {t('record.edit')}
            </button>
          </>
        )}
      </dd>
    </div>
  );
}
