import type { TFunction } from 'i18next';
import type { Pipeline } from '../../../shared/domain/crm.schemas';

/** Keys of the built-in lost reasons, offered while a pipeline has no list of its own. */
export const BUILT_IN_LOST_REASONS = [
  'price',
  'competitor',
  'timing',
  'noBudget',
  'noDecision',
  'product',
] as const;

/** The lost reasons a deal of this pipeline offers, as shown. */
export function lostReasons(pipeline: Pipeline | undefined, t: TFunction): string[] {
  const own = pipeline?.lostReasons ?? [];
  return own.length > 0 ? own : BUILT_IN_LOST_REASONS.map((k) => t(`deal.reasons.${k}`));
}
