import { MAX_CUSTOM_FIELDS, type CustomField } from '../../../shared/domain/crm.schemas';
import type { ParsedInput } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/errors';
import type { CrmService } from './crm.service';

/**
 * A new definition as `customFields.create` writes it: at most MAX_CUSTOM_FIELDS per workspace,
 * options only for select kinds, a currency only (and always) for money, a name no other field of
 * the entity has, and placed after the entity's last field unless a position is given.
 */
export function checkNewCustomField(
  svc: CrmService,
  input: ParsedInput<'customFields.create'>,
): Readonly<Record<string, unknown>> {
  const all: CustomField[] = svc.writer.customFields.all();
  if (all.length >= MAX_CUSTOM_FIELDS)
    throw new AppError('VALIDATION', `A workspace has at most ${MAX_CUSTOM_FIELDS} custom fields`);
  const selects = input.kind === 'select' || input.kind === 'multiSelect';
  if (!selects && (input.options?.length ?? 0) > 0)
    throw new AppError('VALIDATION', 'Only select fields have options');
  if (input.kind !== 'money' && input.currency)
    throw new AppError('VALIDATION', 'Only money fields have a currency');
  // One name per field of an entity: the import maps columns back by it.
  const label = input.label.trim().toLowerCase();
  if (all.some((d) => d.entity === input.entity && d.label.trim().toLowerCase() === label))
    throw new AppError('VALIDATION', 'A field of that name exists');
  const last = all.filter((d) => d.entity === input.entity).reduce((m, d) => Math.max(m, d.position), -1);
  return {
    ...input,
    currency: input.kind === 'money' ? (input.currency ?? 'EUR') : null,
    position: input.position ?? last + 1,
  };
}
