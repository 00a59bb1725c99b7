import { useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDate, formatMoney } from '../format';
import type { EntityKind } from '../ui.store';
import { updateRecord, type AnyRecord } from './crm.data';
import { parseField, toInput, type FieldDef } from './fields';
import { RecordPicker } from '../components/RecordPicker';
import { PickerField } from './picker.field';
import { hasDraft, useDraft } from '../drafts';
import { useReturnFocus } from '../focus';
import { knownCurrencies } from '../locale.input';
import { composing } from '../keys';

export function InlineField(props: {
  entity: EntityKind;
  field: FieldDef;
  record: AnyRecord;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const { entity, field, record } = props;
  // What the rep typed stays when they open another record, until they save or cancel it.
  const draftKey = `${entity}:${record.id}:${field.name}`;
  const [editing, setEditing] = useState(() => hasDraft(draftKey));
  const [text, setText, discard] = useDraft(draftKey, '');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const label = t(`fields.${field.name}`);
  const [editButton, closing] = useReturnFocus<HTMLButtonElement>(editing);
  const shown = (() => {
    if (field.input === 'money') return formatMoney((record as Deal).amountMinor, (record as Deal).currency);
    if (field.input === 'date') return formatDate((record as Deal).expectedCloseDate);
    return toInput(field, record);
  })();

  const start = () => {
    discard(toInput(field, record));
    setMessage(null);
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    const parsed = parseField(field, text, record, t);
    if (!parsed.ok) {
      setMessage(parsed.message);
      return;
    }
    try {
      const updated = await updateRecord(entity, record.id, { [field.name]: parsed.value });
      discard();
      closing();
      setEditing(false);
      props.onSaved(updated);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  const cancel = () => {
    discard();
    closing();
    setEditing(false);
  };
  const onKey = (event: KeyboardEvent) => {
    if (composing(event)) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    } else if (event.key === 'Enter' && (field.input !== 'textarea' || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void save();
    }
  };

  if (!editing) {
    return (
      <div className="inline-field">
        <dt>{label}</dt>
        <dd>
          <span className="value" data-field={field.name}>
            {shown === '' ? <span className="muted">—</span> : shown}
          </span>
          <button
            ref={editButton}
            type="button"
            className="link"
            onClick={start}
            aria-label={t('record.editField', { field: label })}
            data-edit={field.name}
          >
            {t('record.edit')}
          </button>
        </dd>
      </div>
    );
  }
  const inputProps = {
    id,
    value: text,
    autoFocus: true,
    'aria-invalid': message !== null,
    'aria-describedby': message ? `${id}-msg` : field.input === 'list' ? `${id}-help` : undefined,
    onKeyDown: onKey,
    'data-input': field.name,
  };
  return (
    <div className="inline-field editing">
      <dt>
        <label htmlFor={id}>{label}</label>
      </dt>
      <dd>
        {field.input === 'textarea' ? (
          <textarea {...inputProps} onChange={(e) => setText(e.target.value)} />
        ) : (
          <input
            {...inputProps}
            type={field.input === 'date' ? 'date' : 'text'}
            inputMode={field.input === 'money' || field.input === 'int' ? 'decimal' : undefined}
            list={field.input === 'currency' ? `${id}-currencies` : undefined}
            onChange={(e) => {
              setText(e.target.value);
              setMessage(null);
            }}
          />
        )}
        {field.input === 'currency' && (
          <datalist id={`${id}-currencies`}>
            {knownCurrencies.map((code) => (
              <option key={code} value={code} />
            ))}
          </datalist>
        )}
        <button type="button" className="primary" onClick={() => void save()} data-save={field.name}>
          {t('record.save')}
        </button>
        <button type="button" onClick={cancel}>
          {t('record.cancel')}
        </button>
        {field.input === 'list' && !message && (
          <p id={`${id}-help`} className="muted small">
            {t('record.listSeparated')}
          </p>
        )}
        {message && (
          <p id={`${id}-msg`} className="field-error" role="alert" data-testid="field-error">
            {message}
          </p>
        )}
        <ErrorMessage error={error} />
      </dd>
    </div>
  );
}

/** The account a contact or deal belongs to: a searchable, paged picker (never "the first 200"). */
export function AccountField(props: {
  entity: EntityKind;
  record: AnyRecord;
  account: Account | null;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const label = t('fields.accountId');
  return (
    <PickerField
      entity={props.entity}
      record={props.record}
      field="accountId"
      label={label}
      shown={
        <span className="value" data-field="accountId">
          {props.account ? props.account.name : <span className="muted">—</span>}
        </span>
      }
      clear={props.account ? t('day.remove') : null}
      picker={(pick) => (
        <RecordPicker
          entity="account"
          label={label}
          autoFocus
          onPick={(a) => pick(a.id)}
          testId="account-picker"
        />
      )}
      onSaved={props.onSaved}
    />
  );
}
