import { useTranslation } from 'react-i18next';
import { memberOfOwner } from '../../../shared/people/members';
import type { AnyRecord } from '../crm/crm.data';
import { PickerField } from '../crm/picker.field';
import type { EntityKind } from '../ui.store';
import { useMembersStore } from './members.store';
import { OwnerPicker } from './OwnerPicker';

/**
 * A member-typed field (the registry's `input: 'member'`, e.g. the owner of an account, contact or
 * deal) on its record page: the member it names (a free-text owner typed before members existed
 * shows as typed, and as its member when a name matches), and "Edit" opens the member picker;
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
  const { field } = props;
  const stored: unknown = (props.record as Record<string, unknown>)[field];
  const owner = typeof stored === 'string' ? stored : null;
  const member = memberOfOwner(members, owner);
  return (
    <PickerField
      entity={props.entity}
      record={props.record}
      field={field}
      label={t(`fields.${field}`)}
      shown={
        <>
          <span className="value" data-field={field}>
            {member ? member.name : owner ? owner : <span className="muted">—</span>}
          </span>
          {owner && !member && <span className="muted small"> ({t('people.typed')})</span>}
        </>
      }
      clear={owner ? t('people.clear') : null}
      onOpen={() => {
        if (!useMembersStore.getState().loaded)
          void useMembersStore
            .getState()
            .load()
            .catch(() => undefined);
      }}
      picker={(pick) => (
        <OwnerPicker
          label={t('people.owner')}
          onPick={(m) => pick(m.memberId)}
          autoFocus
          testId="owner-picker"
        />
      )}
      onSaved={props.onSaved}
    />
  );
}
