import { z } from 'zod';
import { channel, event, type ChannelDef, type EventDef } from '../ipc/define';
import { policyFieldMeta, policyKeySchema, policySchema, type PolicyKey } from './policy.schema';
import { policyProblemSchema, type EffectivePolicy } from './policy.resolve';

/**
 * The effective policy as the renderer may see it: secret keys (the enrolment code) are reported
 * as `'set'`, never their value.
 */
export const policyViewSchema = z.object({
  values: policySchema.omit({ enrolmentCode: true }).extend({ enrolmentCode: z.literal('set').optional() }),
  /** Keys a policy sets; the UI locks the matching fields. */
  managed: z.array(policyKeySchema),
  /** Policy sources that exist but could not be used (the restrictive fallback is in force). */
  problems: z.array(policyProblemSchema),
  restricted: z.boolean(),
});
export type PolicyView = z.infer<typeof policyViewSchema>;

/** The renderer's view of an effective policy: every secret key replaced by `'set'`. */
export function toPolicyView(effective: EffectivePolicy): PolicyView {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(effective.values)) {
    values[key] = policyFieldMeta[key as PolicyKey].secret ? 'set' : value;
  }
  return {
    values: policyViewSchema.shape.values.parse(values),
    managed: [...effective.managed],
    problems: [...effective.problems],
    restricted: effective.restricted,
  };
}

/** Channels of the managed-policy domain (`policy.*`). */
export const policyChannels = {
  'policy.get': channel(
    z.undefined(),
    policyViewSchema,
    'The policy IT set for this device and which keys it manages (secrets only as "set"; readable while locked).',
  ),
} satisfies Record<string, ChannelDef>;

/** Push events of the managed-policy domain. */
export const policyEvents = {
  'policy.changed': event(policyViewSchema, 'A policy source changed and the effective policy with it.'),
} satisfies Record<string, EventDef>;
