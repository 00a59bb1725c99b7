import { z } from 'zod';
import { channel, type ChannelDef } from '../define';

/**
 * The offline lease (IT's `offlineLeaseDays`): how long this device may work without reaching its
 * sync server. `not_managed`: no lease (no policy, or no workspace to check in with).
 */
export const leaseStatusSchema = z.object({
  state: z.enum(['not_managed', 'ok', 'expired']),
  days: z.number().int().positive().nullable(),
  /** The last time the sync server answered this device as a member (server time, ISO); null: unknown. */
  lastContactAt: z.string().nullable(),
  /** When the lease runs out (ISO); null without a lease or before the first contact is known. */
  expiresAt: z.string().nullable(),
  /** Whether the recovery code also unlocks once the lease has run out (IT's `leaseRecovery`). */
  recoveryAllowed: z.boolean(),
});
export type LeaseStatus = z.infer<typeof leaseStatusSchema>;

/** Channels of the offline lease (`lease.*`). Read-only: nothing the renderer sends moves the lease. */
export const leaseChannels = {
  'lease.status': channel(
    z.undefined(),
    leaseStatusSchema,
    'The offline lease as main last recorded it (readable while locked, for the lock screen).',
  ),
} satisfies Record<string, ChannelDef>;
