import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import type { EntityKind } from '../ui.store';
import { updateRecord, type AnyRecord } from './crm.data';
import { useReturnFocus } from '../focus';
import { composing } from '../keys';

/**
 * A reference field on a record page (its account, its owner): the value it names and "Edit", which
 * opens a picker; picking, or clearing, writes the id through the writer. Escape closes the picker.
 */
export function PickerField(props: {
  entity: EntityKind;
  record: AnyRecord;
  /** The record's field the pick is written to (`accountId`, `ownerId`). */
  field: string;
  label: string;
  /** What the field shows while closed. */
  shown: ReactNode;
  /** Offers clearing the field (it names something now) under this label. */
  clear: string | null;
  /** Called as the picker opens (e.g. to load what it picks from). */
  onOpen?: () => void;
  /** The picker; it calls `pick` with the chosen id. */
  picker: (pick: (id: string) => void) => ReactNode;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [editButton, closing] = useReturnFocus<HTMLButtonElement>(editing);
  const close = () => {
    closing();
    setEditing(false);
  };
  const { field, label } = props;
  const save = async (id: string | null) => {
    try {
      const updated = await updateRecord(props.entity, props.record.id, { [field]: id });
      close();
      props.onSaved(updated);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <div className={editing ? 'inline-field editing' : 'inline-field'}>
      <dt>{label}</dt>
      <dd>
        {editing ? (
          <div
            className="row wrap"
            onKeyDown={(e) => {
              if (e.key === 'Escape' && !composing(e)) close();
            }}
          >
            {props.picker((id) => void save(id))}
            {props.clear && (
              <button type="button" className="link" onClick={() => void save(null)}>
                {props.clear}
              </button>
            )}
            <button type="button" className="link" onClick={close}>
              {t('record.cancel')}
            </button>
          </div>
        ) : (
          <>
            {props.shown}
            <button
              ref={editButton}
              type="button"
              className="link"
              onClick={() => {
                props.onOpen?.();
                setEditing(true);
              }}
              aria-label={t('record.editField', { field: label })}
              data-edit={field}
            >
              {t('record.edit')}
            </button>
          </>
        )}
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
      </dd>
    </div>
  );
}
