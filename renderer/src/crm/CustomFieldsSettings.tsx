import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  customFieldKindSchema,
  type CustomField,
  type CustomFieldEntity,
  type CustomFieldKind,
  type CustomOption,
} from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { useSubmitOnce } from '../submit';
import { defaultCurrency, parseCurrencyInput } from '../locale.input';
import { useCustomFieldsStore } from './customFields.store';

const ENTITIES: readonly CustomFieldEntity[] = ['contact', 'account', 'deal'];
const KINDS = customFieldKindSchema.options;
const hasOptions = (kind: CustomFieldKind) => kind === 'select' || kind === 'multiSelect';

/** A short random option id: values store it, so renaming an option never rewrites records. */
function optionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, 10);
}

/** Lines of text as new options (trimmed, empty and repeated lines left out). */
function optionsFrom(text: string): CustomOption[] {
  const labels = [
    ...new Set(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ].slice(0, 100);
  return labels.map((label) => ({ id: optionId(), label: label.slice(0, 100), archived: false }));
}

function NewField({
  entity,
  onError,
}: {
  entity: CustomFieldEntity;
  onError: (e: ErrorInfo | null) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [label, setLabel] = useState('');
  const [kind, setKind] = useState<CustomFieldKind>('text');
  const [options, setOptions] = useState('');
  const [currency, setCurrency] = useState(defaultCurrency());
  const [busy, once] = useSubmitOnce();
  const [badCurrency, setBadCurrency] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (label.trim() === '') return;
    const code = parseCurrencyInput(currency);
    const refused = kind === 'money' && code === null;
    setBadCurrency(refused);
    if (refused) return;
    await once(async () => {
      try {
        await call('customFields.create', {
          entity,
          kind,
          label: label.trim(),
          ...(hasOptions(kind) ? { options: optionsFrom(options) } : {}),
          ...(kind === 'money' && code !== null ? { currency: code } : {}),
        });
        setLabel('');
        setOptions('');
        onError(null);
        await useCustomFieldsStore.getState().reload();
      } catch (e) {
        onError(errorInfo(e));
      }
    });
  };
  return (
    <form className="cf-new" onSubmit={(e) => void submit(e)} data-testid="cf-new">
      <h3>{t('customFields.add')}</h3>
      <div className="row wrap">
        <div className="field compact">
          <label htmlFor={`${id}-l`}>{t('customFields.label')}</label>
          <input
            id={`${id}-l`}
            value={label}
            maxLength={100}
            onChange={(e) => setLabel(e.target.value)}
            data-testid="cf-new-label"
          />
        </div>
        <div className="field compact">
          <label htmlFor={`${id}-k`}>{t('customFields.kind')}</label>
          <select
            id={`${id}-k`}
            value={kind}
            onChange={(e) => setKind(customFieldKindSchema.parse(e.target.value))}
            data-testid="cf-new-kind"
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`customFields.kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'money' && (
          <div className="field compact">
            <label htmlFor={`${id}-c`}>{t('fields.currency')}</label>
            <input
              id={`${id}-c`}
              value={currency}
              maxLength={3}
              aria-invalid={badCurrency}
              aria-describedby={badCurrency ? `${id}-cm` : undefined}
              onChange={(e) => {
                setCurrency(e.target.value.toUpperCase());
                setBadCurrency(false);
              }}
              data-testid="cf-new-currency"
            />
            {badCurrency && (
              <p id={`${id}-cm`} className="field-error" role="alert">
                {t('record.badCurrency')}
              </p>
            )}
          </div>
        )}
      </div>
      {hasOptions(kind) && (
        <div className="field wide">
          <label htmlFor={`${id}-o`}>{t('customFields.optionsLines')}</label>
          <textarea
            id={`${id}-o`}
            value={options}
            onChange={(e) => setOptions(e.target.value)}
            data-testid="cf-new-options"
          />
        </div>
      )}
      <button
        type="submit"
        className="primary"
        aria-busy={busy}
        disabled={label.trim() === ''}
        data-testid="cf-new-save"
      >
        {t('customFields.create')}
      </button>
    </form>
  );
}

function Options({ def, onError }: { def: CustomField; onError: (e: ErrorInfo | null) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [adding, setAdding] = useState('');
  const save = async (options: CustomOption[]) => {
    try {
      await call('customFields.update', { id: def.id, patch: { options } });
      onError(null);
      await useCustomFieldsStore.getState().reload();
    } catch (e) {
      onError(errorInfo(e));
    }
  };
  return (
    <div className="cf-options">
      <ul className="plain">
        {def.options.map((o) => (
          <li key={o.id} className={`row${o.archived ? ' muted' : ''}`}>
            <label className="sr-only" htmlFor={`${id}-${o.id}`}>
              {t('customFields.optionLabel')}
            </label>
            <input
              id={`${id}-${o.id}`}
              defaultValue={o.label}
              maxLength={100}
              onBlur={(e) => {
                const label = e.target.value.trim();
                if (label !== '' && label !== o.label)
                  void save(def.options.map((x) => (x.id === o.id ? { ...x, label } : x)));
              }}
            />
            <button
              type="button"
              onClick={() =>
                void save(def.options.map((x) => (x.id === o.id ? { ...x, archived: !x.archived } : x)))
              }
            >
              {o.archived ? t('customFields.restore') : t('customFields.archive')}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const more = optionsFrom(adding).filter((n) => !def.options.some((o) => o.label === n.label));
          if (more.length === 0) return;
          setAdding('');
          void save([...def.options, ...more]);
        }}
      >
        <label className="sr-only" htmlFor={`${id}-add`}>
          {t('customFields.addOption')}
        </label>
        <input
          id={`${id}-add`}
          value={adding}
          maxLength={100}
          placeholder={t('customFields.addOption')}
          onChange={(e) => setAdding(e.target.value)}
        />
        <button type="submit">{t('customFields.addOption')}</button>
      </form>
    </div>
  );
}

function FieldRow(props: {
  def: CustomField;
  prev: CustomField | undefined;
  next: CustomField | undefined;
  /** The fields two places up and down: a move lands between the neighbour and the one beyond it. */
  prevPrev: CustomField | undefined;
  nextNext: CustomField | undefined;
  onError: (e: ErrorInfo | null) => void;
}) {
  const { t } = useTranslation();
  const { def, prev, next, onError } = props;
  const id = useId();
  const patch = async (p: { label?: string; position?: number; archived?: boolean }) => {
    try {
      await call('customFields.update', { id: def.id, patch: p });
      onError(null);
      await useCustomFieldsStore.getState().reload();
    } catch (e) {
      onError(errorInfo(e));
    }
  };
  // A move writes one position: between the neighbours it passes, or one step beyond the end.
  const moveUp = (before: CustomField | undefined) =>
    prev
      ? void patch({ position: before ? (before.position + prev.position) / 2 : prev.position - 1 })
      : undefined;
  const moveDown = (after: CustomField | undefined) =>
    next
      ? void patch({ position: after ? (after.position + next.position) / 2 : next.position + 1 })
      : undefined;
  return (
    <li className={`cf-row${def.archived ? ' archived' : ''}`} data-testid="cf-row" data-label={def.label}>
      <div className="row wrap">
        <label className="sr-only" htmlFor={`${id}-l`}>
          {t('customFields.label')}
        </label>
        <input
          id={`${id}-l`}
          key={def.label}
          defaultValue={def.label}
          maxLength={100}
          onBlur={(e) => {
            const label = e.target.value.trim();
            if (label !== '' && label !== def.label) void patch({ label });
          }}
          data-testid="cf-rename"
        />
        <span className="badge">{t(`customFields.kinds.${def.kind}`)}</span>
        {def.kind === 'money' && <span className="muted">{def.currency}</span>}
        {def.archived && <span className="badge">{t('customFields.archived')}</span>}
        <div className="row push">
          <button
            type="button"
            disabled={!prev}
            aria-label={t('customFields.moveUp', { label: def.label })}
            onClick={() => moveUp(props.prevPrev)}
          >
            ↑
          </button>
          <button
            type="button"
            disabled={!next}
            aria-label={t('customFields.moveDown', { label: def.label })}
            onClick={() => moveDown(props.nextNext)}
          >
            ↓
          </button>
          <button
            type="button"
            onClick={() => void patch({ archived: !def.archived })}
            data-testid="cf-archive"
          >
            {def.archived ? t('customFields.restore') : t('customFields.archive')}
          </button>
        </div>
      </div>
      {hasOptions(def.kind) && !def.archived && <Options def={def} onError={onError} />}
    </li>
  );
}

/**
 * Settings section: the workspace's custom fields per entity. Create, rename, reorder, archive and
 * edit select options; every change is a write of the field's definition record, so it syncs.
 */
export function CustomFieldsSettings() {
  const { t } = useTranslation();
  const id = useId();
  const defs = useCustomFieldsStore((s) => s.defs);
  const [entity, setEntity] = useState<CustomFieldEntity>('contact');
  const [error, setError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    void useCustomFieldsStore
      .getState()
      .load()
      .catch((e: unknown) => setError(errorInfo(e)));
  }, []);
  const fields = (defs ?? []).filter((d) => d.entity === entity && d.deletedAt === null);
  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="custom-fields">
      <h2 id={`${id}-h`}>{t('customFields.title')}</h2>
      <p className="muted">{t('customFields.intro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="field compact">
        <label htmlFor={`${id}-e`}>{t('customFields.entity')}</label>
        <select
          id={`${id}-e`}
          value={entity}
          onChange={(e) => setEntity(ENTITIES.find((x) => x === e.target.value) ?? 'contact')}
          data-testid="cf-entity"
        >
          {ENTITIES.map((e) => (
            <option key={e} value={e}>
              {t(`entity.${e}`)}
            </option>
          ))}
        </select>
      </div>
      {fields.length === 0 ? (
        <p className="muted">{t('customFields.none')}</p>
      ) : (
        <ul className="plain cf-list">
          {fields.map((def, i) => (
            <FieldRowWithNeighbours key={def.id} fields={fields} index={i} def={def} onError={setError} />
          ))}
        </ul>
      )}
      <NewField entity={entity} onError={setError} />
    </section>
  );
}

function FieldRowWithNeighbours(props: {
  fields: readonly CustomField[];
  index: number;
  def: CustomField;
  onError: (e: ErrorInfo | null) => void;
}) {
  const { fields, index } = props;
  return (
    <FieldRow
      def={props.def}
      prev={fields[index - 1]}
      next={fields[index + 1]}
      prevPrev={fields[index - 2]}
      nextNext={fields[index + 2]}
      onError={props.onError}
    />
  );
}
