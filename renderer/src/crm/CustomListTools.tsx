import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { CustomField, CustomFieldEntity } from '../../../shared/domain/crm.schemas';
import {
  customColumnOf,
  customFieldSpecOf,
  customValueOf,
  type CustomFilter,
} from '../../../shared/domain/custom-fields';
import { parseAmountInput, parseNumberInput } from '../locale.input';
import { activeFields, showCustomValue, useCustomFieldsStore } from './customFields.store';
import { currencyDigits } from './fields';
import type { Column } from './list.columns';
import { useListsStore } from './lists.store';

type Op = CustomFilter['op'];

/** The conditions each kind offers (contains, =, range, any-of, checked). */
const OPS: Record<CustomField['kind'], readonly Op[]> = {
  text: ['contains', 'eq'],
  number: ['eq', 'range'],
  money: ['eq', 'range'],
  date: ['eq', 'range'],
  select: ['anyOf'],
  multiSelect: ['anyOf'],
  checkbox: ['checked'],
};

/** The list columns the user chose among an entity's custom fields (the registry's column shape). */
export function customColumns(
  entity: CustomFieldEntity,
  defs: readonly CustomField[] | null,
  shown: readonly string[],
  t: TFunction,
): Column[] {
  return activeFields(defs, entity)
    .filter((d) => shown.includes(d.id))
    .map((def) => {
      const spec = customColumnOf(customFieldSpecOf(def));
      return {
        key: spec.field,
        label: def.label,
        width: spec.width,
        render: (r) => showCustomValue(def, customValueOf(r, def.id), t),
      };
    });
}

/** A typed bound or value as the filter takes it: minor units for money, numbers parsed in the locale. */
function filterValue(def: CustomField, text: string): string | number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (def.kind === 'number') return parseNumberInput(trimmed);
  if (def.kind === 'money') return parseAmountInput(trimmed, currencyDigits(def.currency ?? 'EUR'));
  return trimmed.slice(0, 200);
}

/** How a condition reads in the chip that shows it. */
function describe(def: CustomField | undefined, f: CustomFilter, t: TFunction): string {
  if (!def) return '';
  const show = (v: unknown) =>
    typeof v === 'string' && def.kind === 'text' ? v : showCustomValue(def, v, t);
  switch (f.op) {
    case 'contains':
      return t('customFields.filterContains', { label: def.label, value: f.value });
    case 'eq':
      return `${def.label} = ${show(f.value)}`;
    case 'range':
      return `${def.label}: ${f.min !== undefined ? show(f.min) : '…'} – ${f.max !== undefined ? show(f.max) : '…'}`;
    case 'anyOf':
      return `${def.label}: ${show(def.kind === 'select' ? f.values[0] : f.values)}${def.kind === 'select' && f.values.length > 1 ? ` +${f.values.length - 1}` : ''}`;
    case 'checked':
      return `${def.label}: ${f.value ? t('customFields.yes') : t('customFields.no')}`;
  }
}

/**
 * The list's custom field tools: conditions on custom fields (shown as removable chips, added by a
 * small form whose operators follow the field's kind) and the choice of custom columns.
 */
export function CustomListTools({ entity }: { entity: CustomFieldEntity }) {
  const { t } = useTranslation();
  const id = useId();
  const defs = useCustomFieldsStore((s) => s.defs);
  const shown = useCustomFieldsStore((s) => s.columns[entity]);
  const query = useListsStore((s) => s.lists[entity].query);
  const setQuery = useListsStore((s) => s.setQuery);
  const fields = activeFields(defs, entity);
  const [fieldId, setFieldId] = useState('');
  const [op, setOp] = useState<Op>('contains');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [checked, setChecked] = useState(true);
  const [invalid, setInvalid] = useState(false);
  useEffect(() => {
    void useCustomFieldsStore
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  if (fields.length === 0) return null;
  const def = fields.find((d) => d.id === fieldId) ?? fields[0]!;
  const ops = OPS[def.kind];
  const current: Op = ops.includes(op) ? op : ops[0]!;
  const conditions = query.custom ?? [];
  const setConditions = (custom: CustomFilter[]) => setQuery(entity, { ...query, custom });

  const add = (event: FormEvent) => {
    event.preventDefault();
    let next: CustomFilter | null = null;
    const field = def.id;
    if (current === 'contains' && a.trim() !== '')
      next = { op: 'contains', field, value: a.trim().slice(0, 200) };
    else if (current === 'eq') {
      const value = filterValue(def, a);
      if (value !== null) next = { op: 'eq', field, value };
    } else if (current === 'range') {
      const min = filterValue(def, a);
      const max = filterValue(def, b);
      if (
        (a.trim() === '' || min !== null) &&
        (b.trim() === '' || max !== null) &&
        (min !== null || max !== null)
      )
        next = { op: 'range', field, ...(min !== null ? { min } : {}), ...(max !== null ? { max } : {}) };
    } else if (current === 'anyOf' && picked.length > 0) next = { op: 'anyOf', field, values: picked };
    else if (current === 'checked') next = { op: 'checked', field, value: checked };
    if (!next) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setA('');
    setB('');
    setPicked([]);
    setConditions([...conditions.filter((c) => c.field !== field || c.op !== next.op), next].slice(0, 10));
  };
  const valueType = def.kind === 'date' ? 'date' : 'text';
  return (
    <div className="cf-tools" data-testid="cf-tools">
      {conditions.length > 0 && (
        <ul className="plain row wrap" aria-label={t('customFields.activeFilters')}>
          {conditions.map((c, i) => (
            <li key={`${c.field}-${c.op}`} className="chip" data-testid="cf-chip">
              {describe(
                fields.find((d) => d.id === c.field),
                c,
                t,
              )}
              <button
                type="button"
                className="link"
                aria-label={t('customFields.removeFilter')}
                onClick={() => setConditions(conditions.filter((_, k) => k !== i))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="filters" onSubmit={add} aria-label={t('customFields.filterBy')}>
        <div className="field compact">
          <label htmlFor={`${id}-f`}>{t('customFields.filterBy')}</label>
          <select
            id={`${id}-f`}
            value={def.id}
            onChange={(e) => {
              setFieldId(e.target.value);
              setPicked([]);
              setInvalid(false);
            }}
            data-testid="cf-filter-field"
          >
            {fields.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
        {ops.length > 1 && (
          <div className="field compact">
            <label htmlFor={`${id}-op`}>{t('customFields.condition')}</label>
            <select
              id={`${id}-op`}
              value={current}
              onChange={(e) => setOp(ops.find((o) => o === e.target.value) ?? ops[0]!)}
              data-testid="cf-filter-op"
            >
              {ops.map((o) => (
                <option key={o} value={o}>
                  {t(`customFields.ops.${o}`)}
                </option>
              ))}
            </select>
          </div>
        )}
        {(current === 'contains' || current === 'eq' || current === 'range') && (
          <div className="field compact">
            <label htmlFor={`${id}-a`}>
              {current === 'range' ? t('customFields.from') : t('customFields.value')}
            </label>
            <input
              id={`${id}-a`}
              type={valueType}
              value={a}
              aria-invalid={invalid || undefined}
              onChange={(e) => setA(e.target.value)}
              data-testid="cf-filter-value"
            />
          </div>
        )}
        {current === 'range' && (
          <div className="field compact">
            <label htmlFor={`${id}-b`}>{t('customFields.to')}</label>
            <input
              id={`${id}-b`}
              type={valueType}
              value={b}
              onChange={(e) => setB(e.target.value)}
              data-testid="cf-filter-to"
            />
          </div>
        )}
        {current === 'anyOf' && (
          <fieldset className="cf-multi">
            <legend>{t('customFields.anyOf')}</legend>
            {def.options
              .filter((o) => !o.archived)
              .map((o) => (
                <label key={o.id} className="check">
                  <input
                    type="checkbox"
                    checked={picked.includes(o.id)}
                    onChange={(e) =>
                      setPicked(e.target.checked ? [...picked, o.id] : picked.filter((x) => x !== o.id))
                    }
                  />
                  {o.label}
                </label>
              ))}
          </fieldset>
        )}
        {current === 'checked' && (
          <div className="field compact">
            <label htmlFor={`${id}-c`}>{t('customFields.value')}</label>
            <select
              id={`${id}-c`}
              value={checked ? 'yes' : 'no'}
              onChange={(e) => setChecked(e.target.value === 'yes')}
            >
              <option value="yes">{t('customFields.yes')}</option>
              <option value="no">{t('customFields.no')}</option>
            </select>
          </div>
        )}
        <button type="submit" data-testid="cf-filter-add">
          {t('customFields.addFilter')}
        </button>
        {invalid && (
          <span role="alert" className="field-error">
            {t('customFields.filterIncomplete')}
          </span>
        )}
        <details className="cf-columns">
          <summary>{t('customFields.columns')}</summary>
          {fields.map((d) => (
            <label key={d.id} className="check">
              <input
                type="checkbox"
                checked={shown.includes(d.id)}
                onChange={() => useCustomFieldsStore.getState().toggleColumn(entity, d.id)}
                data-testid="cf-column"
                data-label={d.label}
              />
              {d.label}
            </label>
          ))}
        </details>
      </form>
    </div>
  );
}
