import type { TFunction } from 'i18next';
import { entityRegistry, type FieldSpec } from '../../../shared/domain/entity.registry';
import type { InputKind } from '../../../shared/domain/field.meta';
import type { EntityKind } from '../ui.store';
import type { AnyRecord } from './crm.data';

/** An inline-editable field of a record page: a registry field that has an input kind. */
export interface FieldDef extends FieldSpec {
  readonly input: InputKind;
}

/** The input kinds the record page can edit; `satisfies` fails the build when `InputKind` grows. */
export const supportedInputs = {
  text: true,
  optText: true,
  textarea: true,
  list: true,
  money: true,
  int: true,
  date: true,
} as const satisfies Record<InputKind, true>;

const formOf = (entity: EntityKind): readonly FieldDef[] =>
  entityRegistry[entity].form.filter((f): f is FieldDef => f.input !== null);

/** The inline-editable fields of each record page, in schema order (from the entity registry). */
export const recordFields: Record<EntityKind, readonly FieldDef[]> = {
  account: formOf('account'),
  contact: formOf('contact'),
  deal: formOf('deal'),
};

/** Minor-unit digits of a currency (2 for EUR, 0 for JPY). */
export function currencyDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** The text an input shows for a stored value. */
export function toInput(field: FieldDef, record: AnyRecord): string {
  const value: unknown = (record as Record<string, unknown>)[field.name];
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (field.input === 'money' && typeof value === 'number') {
    const currency = (record as { currency?: string }).currency ?? 'EUR';
    return String(value / 10 ** currencyDigits(currency));
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts the typed text to the field's value and validates it against the field's registry schema. */
export function parseField(field: FieldDef, text: string, record: AnyRecord, t: TFunction): Parsed {
  const trimmed = text.trim();
  let value: unknown;
  switch (field.input) {
    case 'text':
      value = trimmed;
      break;
    case 'optText':
    case 'date':
      value = trimmed === '' ? null : trimmed;
      break;
    case 'textarea':
      value = text;
      break;
    case 'list':
      value =
        trimmed === ''
          ? []
          : trimmed
              .split(/[,，;；\n]/)
              .map((s) => s.trim())
              .filter((s) => s !== '');
      break;
    case 'int':
    case 'money': {
      if (trimmed === '') {
        value = field.input === 'int' ? null : 0;
        break;
      }
      const n = Number(trimmed.replace(/[\s,]/g, ''));
      if (!Number.isFinite(n)) return { ok: false, message: t('record.badNumber') };
      const currency = (record as { currency?: string }).currency ?? 'EUR';
      value = field.input === 'money' ? Math.round(n * 10 ** currencyDigits(currency)) : n;
      break;
    }
  }
  const result = field.schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (field.element === 'email') return { ok: false, message: t('record.badEmail') };
  if (field.element === 'phone') return { ok: false, message: t('record.badPhone') };
  if (field.input === 'date') return { ok: false, message: t('record.badDate') };
  if (field.input === 'int' || field.input === 'money') return { ok: false, message: t('record.badNumber') };
  if (issue?.code === 'too_small') return { ok: false, message: t('record.required') };
  if (issue?.code === 'too_big') return { ok: false, message: t('record.tooLong') };
  return { ok: false, message: t('record.badValue') };
}
