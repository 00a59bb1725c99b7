import type { TFunction } from 'i18next';
import type { z } from 'zod';
import {
  accountFieldsSchema,
  contactFieldsSchema,
  dealFieldsSchema,
} from '../../../shared/domain/crm.schemas';
import type { EntityKind } from '../ui.store';
import type { AnyRecord } from './crm.data';

export type FieldKind = 'text' | 'optText' | 'textarea' | 'list' | 'money' | 'int' | 'date';

export interface FieldDef {
  readonly name: string;
  readonly kind: FieldKind;
  /** For list fields: what each element is, to pick the right message. */
  readonly element?: 'email' | 'phone' | 'tag';
}

/** The inline-editable fields of each record page, in display order. */
export const recordFields: Record<EntityKind, readonly FieldDef[]> = {
  account: [
    { name: 'name', kind: 'text' },
    { name: 'domain', kind: 'optText' },
    { name: 'industry', kind: 'optText' },
    { name: 'phone', kind: 'optText' },
    { name: 'ownerId', kind: 'optText' },
    { name: 'tags', kind: 'list', element: 'tag' },
  ],
  contact: [
    { name: 'name', kind: 'text' },
    { name: 'title', kind: 'optText' },
    { name: 'emails', kind: 'list', element: 'email' },
    { name: 'phones', kind: 'list', element: 'phone' },
    { name: 'ownerId', kind: 'optText' },
    { name: 'tags', kind: 'list', element: 'tag' },
    { name: 'notes', kind: 'textarea' },
  ],
  deal: [
    { name: 'name', kind: 'text' },
    { name: 'amountMinor', kind: 'money' },
    { name: 'currency', kind: 'text' },
    { name: 'probability', kind: 'int' },
    { name: 'expectedCloseDate', kind: 'date' },
    { name: 'ownerId', kind: 'optText' },
  ],
};

const schemas: Record<EntityKind, Readonly<Record<string, z.ZodType>>> = {
  account: accountFieldsSchema.shape,
  contact: contactFieldsSchema.shape,
  deal: dealFieldsSchema.shape,
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
  if (field.kind === 'money' && typeof value === 'number') {
    const currency = (record as { currency?: string }).currency ?? 'EUR';
    return String(value / 10 ** currencyDigits(currency));
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts the typed text to the field's value and validates it against the shared schema. */
export function parseField(
  entity: EntityKind,
  field: FieldDef,
  text: string,
  record: AnyRecord,
  t: TFunction,
): Parsed {
  const trimmed = text.trim();
  let value: unknown;
  switch (field.kind) {
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
        value = field.kind === 'int' ? null : 0;
        break;
      }
      const n = Number(trimmed.replace(/[\s,]/g, ''));
      if (!Number.isFinite(n)) return { ok: false, message: t('record.badNumber') };
      const currency = (record as { currency?: string }).currency ?? 'EUR';
      value = field.kind === 'money' ? Math.round(n * 10 ** currencyDigits(currency)) : n;
      break;
    }
  }
  const schema = schemas[entity][field.name];
  if (!schema) return { ok: true, value };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (field.element === 'email') return { ok: false, message: t('record.badEmail') };
  if (field.element === 'phone' || field.name === 'phone')
    return { ok: false, message: t('record.badPhone') };
  if (field.kind === 'date') return { ok: false, message: t('record.badDate') };
  if (field.kind === 'int' || field.kind === 'money') return { ok: false, message: t('record.badNumber') };
  if (issue?.code === 'too_small') return { ok: false, message: t('record.required') };
  if (issue?.code === 'too_big') return { ok: false, message: t('record.tooLong') };
  return { ok: false, message: t('record.badValue') };
}
