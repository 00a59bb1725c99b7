import { useTranslation } from 'react-i18next';
import { OwnerName } from './OwnerName';
import { OwnerPicker } from './OwnerPicker';

/**
 * A form's member-typed field (the registry's `input: 'member'`): the member picked so far, by name,
 * and the member picker to pick or change it. The value is the member id (`null` when none).
 */
export function MemberInput(props: {
  label: string;
  value: string | null;
  onChange: (memberId: string | null) => void;
  /** The picker's test hook; the chosen name carries `${testId}-value`. */
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="member-input">
      <OwnerPicker label={props.label} onPick={(m) => props.onChange(m.memberId)} testId={props.testId} />
      {props.value && (
        <>
          <span className="value" data-testid={props.testId ? `${props.testId}-value` : undefined}>
            <OwnerName owner={props.value} />
          </span>{' '}
          <button type="button" className="link" onClick={() => props.onChange(null)}>
            {t('people.clearMember')}
          </button>
        </>
      )}
    </div>
  );
}
