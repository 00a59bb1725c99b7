import { useEffect, useId, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { CustomField, CustomFieldEntity } from '../../../shared/domain/crm.schemas';
import { customFieldSpecOf, customValueOf } from '../../../shared/domain/custom-fields';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { inputLocale, parseAmountInput, parseNumberInput } from '../locale.input';
import { updateRecord, type AnyRecord } from './crm.data';
import { activeFields, showCustomValue, useCustomFieldsStore } from './customFields.store';
import { currencyDigits, numberMessage, tightest } from './fields';
import { composing } from '../keys';

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Typed text of a text-like input as the field's value, checked with the field's registry schema;
 * a refusal says what is wrong as built-in fields do (too long, the bound a number passes).
 */
function parseTyped(def: CustomField, text: string, t: TFunction): Parsed {
  const trimmed = text.trim();
  let value: unknown = trimmed === '' ? null : trimmed;
  if (trimmed !== '' && (def.kind === 'number' || def.kind === 'money')) {
    value =
      def.kind === 'money'
        ? parseAmountInput(trimmed, currencyDigits(def.currency ?? 'EUR'))
        : parseNumberInput(trimmed);
    if (value === null) return { ok: false, message: t('record.badNumber') };
  }
  const parsed = customFieldSpecOf(def).schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = tightest(parsed.error.issues);
  if (def.kind === 'number' || def.kind === 'money')
    return { ok: false, message: numberMessage(issue, def.kind, def.currency ?? 'EUR', t) };
  if (issue?.code === 'too_big') return { ok: false, message: t('record.tooLong') };
  return { ok: false, message: t('record.badValue') };
}

/** What a text-like input shows for a stored value (money in major units, as typed). */
function typedText(def: CustomField, value: unknown): string {
  if (value === null || value === undefined) return '';
  // Numbers as the user's locale types them (no grouping), so they read back unchanged.
  const typed = (n: number) =>
    new Intl.NumberFormat(inputLocale(), { useGrouping: false, maximumFractionDigits: 20 }).format(n);
  if (def.kind === 'money' && typeof value === 'number')
    return typed(value / 10 ** currencyDigits(def.currency ?? 'EUR'));
  if (typeof value === 'number') return typed(value);
  return typeof value === 'string' ? value : '';
}

function CustomInput(props: {
  entity: CustomFieldEntity;
  def: CustomField;
  record: AnyRecord;
  onSaved: (record: AnyRecord) => void;
  onError: (error: ErrorInfo | null) => void;
}) {
  const { t } = useTranslation();
  const { def, record } = props;
  const id = useId();
  const value = customValueOf(record, def.id);
  // What the user is typing; null shows the stored value (which sync may change meanwhile).
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? typedText(def, value);
  const [message, setMessage] = useState<string | null>(null);
  // Options ticked while earlier saves are on their way: shown at once, saved in order, each from
  // the one before (a save built from the stored record would drop the previous tick).
  const [picked, setPicked] = useState<string[] | null>(null);
  const saves = useRef({ chain: Promise.resolve(), open: 0 });
  const save = async (next: unknown) => {
    try {
      const updated = await updateRecord(props.entity, record.id, { custom: { [def.id]: next } });
      setMessage(null);
      setDraft(null);
      props.onError(null);
      props.onSaved(updated);
    } catch (e) {
      props.onError(errorInfo(e));
    }
  };
  const commitText = () => {
    if (draft === null || draft === typedText(def, value)) {
      setDraft(null);
      return;
    }
    const parsed = parseTyped(def, text, t);
    if (!parsed.ok) {
      setMessage(parsed.message);
      return;
    }
    void save(parsed.value);
  };
  const inputId = `${id}-in`;
  const common = { id: inputId, 'data-custom': def.label, 'aria-invalid': message ? true : undefined };
  let control;
  switch (def.kind) {
    case 'checkbox':
      control = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => void save(e.target.checked)}
        />
      );
      break;
    case 'select':
      control = (
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => void save(e.target.value || null)}
        >
          <option value="">{t('customFields.notSet')}</option>
          {def.options
            .filter((o) => !o.archived || o.id === value)
            .map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
        </select>
      );
      break;
    case 'multiSelect': {
      const chosen = picked ?? (Array.isArray(value) ? (value as string[]) : []);
      const pick = (next: string[]) => {
        setPicked(next);
        const q = saves.current;
        q.open++;
        q.chain = q.chain
          .then(() => save(next.length > 0 ? next : null))
          .finally(() => {
            if (--q.open === 0) setPicked(null);
          });
      };
      control = (
        <fieldset className="cf-multi" data-custom={def.label}>
          <legend className="sr-only">{def.label}</legend>
          {def.options
            .filter((o) => !o.archived || chosen.includes(o.id))
            .map((o) => (
              <label key={o.id} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(o.id)}
                  onChange={(e) =>
                    pick(e.target.checked ? [...chosen, o.id] : chosen.filter((x) => x !== o.id))
                  }
                />
                {o.label}
              </label>
            ))}
        </fieldset>
      );
      break;
    }
    default:
      control = (
        <input
          {...common}
          type={def.kind === 'date' ? 'date' : 'text'}
          inputMode={def.kind === 'number' || def.kind === 'money' ? 'decimal' : undefined}
          value={text}
          aria-describedby={message ? `${id}-msg` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commitText}
          onKeyDown={(e) => {
            if (composing(e)) return;
            if (e.key === 'Enter') commitText();
            if (e.key === 'Escape') {
              setDraft(null);
              setMessage(null);
            }
          }}
        />
      );
  }
  return (
    <div className="inline-field" data-testid="custom-field">
      <dt>
        {def.kind === 'multiSelect' ? <span>{def.label}</span> : <label htmlFor={inputId}>{def.label}</label>}
      </dt>
      <dd>
        {control}
        {def.kind === 'money' && <span className="muted"> {def.currency}</span>}
        {message && (
          <p id={`${id}-msg`} role="alert" className="field-error">
            {message}
          </p>
        )}
      </dd>
    </div>
  );
}

/**
 * The record page's custom fields (Settings defines them), each edited in place through
 * `<entity>.update` with `custom: {id: value}`: one field's op, merged per field on sync.
 */
export function CustomFieldsPanel(props: {
  entity: CustomFieldEntity;
  record: AnyRecord;
  onSaved: (record: AnyRecord) => void;
}) {
  const { t } = useTranslation();
  const defs = useCustomFieldsStore((s) => s.defs);
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    void useCustomFieldsStore
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  const fields = activeFields(defs, props.entity);
  // Values of archived fields stay readable, below the editable ones.
  const archived = (defs ?? []).filter(
    (d) => d.entity === props.entity && d.archived && customValueOf(props.record, d.id) !== undefined,
  );
  if (fields.length === 0 && archived.length === 0) return null;
  return (
    <section className="panel" aria-label={t('customFields.onRecord')} data-testid="custom-fields-panel">
      <h2>{t('customFields.onRecord')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <dl className="fields">
        {fields.map((def) => (
          <CustomInput
            key={def.id}
            entity={props.entity}
            def={def}
            record={props.record}
            onSaved={props.onSaved}
            onError={setError}
          />
        ))}
        {archived.map((def) => (
          <div key={def.id} className="inline-field muted">
            <dt>
              {def.label} ({t('customFields.archived')})
            </dt>
            <dd>{showCustomValue(def, customValueOf(props.record, def.id), t)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
