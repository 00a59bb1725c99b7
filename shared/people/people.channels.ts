import { z } from 'zod';
import { idSchema, memberIdSchema, memberProfileSchema, userRefSchema } from '../domain/crm.schemas';
import { channel } from '../ipc/define';
import { workspaceMemberSchema } from './members';

/** The most records one reassignment moves (one transaction through the writer). */
export const REASSIGN_MAX = 5000;

/** The lists whose records have an owner (tasks: their assignee). */
export const reassignEntitySchema = z.enum(['account', 'contact', 'deal', 'task']);
export type ReassignEntity = z.infer<typeof reassignEntitySchema>;

/** Channels of the people domain (issue 15): members, their names and teams, bulk reassignment. */
export const peopleChannels = {
  'memberProfiles.list': channel(
    z
      .strictObject({
        filter: z.strictObject({ memberId: memberIdSchema.optional() }).optional(),
        limit: z.number().int().min(1).max(200).optional(),
        cursor: z.string().min(1).max(2000).optional(),
      })
      .optional(),
    z.object({
      items: z.array(memberProfileSchema),
      nextCursor: z.string().nullable(),
      total: z.number().int().nonnegative(),
      skipped: z.number().int().min(0),
    }),
    'The stored member profiles (display names and teams) as records; `members.list` is what screens show.',
  ),
  'members.list': channel(
    z.strictObject({}).optional(),
    z.object({
      members: z.array(workspaceMemberSchema),
      /** This device's member id (what "My records" matches). */
      selfId: memberIdSchema,
      /** True when this member may set anyone's name and team (owners and admins). */
      canManage: z.boolean(),
    }),
    "The workspace's members from the verified membership log (or this device alone), with names and teams.",
  ),
  'members.update': channel(
    z.strictObject({
      memberId: memberIdSchema,
      displayName: z.string().trim().max(100).nullable().optional(),
      team: z.string().trim().max(100).nullable().optional(),
    }),
    workspaceMemberSchema,
    "Sets a member's display name or team (a synced record); FORBIDDEN beyond the caller's role.",
  ),
  'records.reassign': channel(
    z.strictObject({
      entity: reassignEntitySchema,
      ids: z.array(idSchema).min(1).max(REASSIGN_MAX),
      /** The new owner (a member id, or free text as owners were before); null clears it. */
      ownerId: userRefSchema.nullable(),
    }),
    z.object({
      /** Records whose owner changed (already owned by `ownerId`: left alone, not counted). */
      count: z.number().int().min(0),
      /** Each changed record's owner before, for undo. */
      previous: z.array(z.object({ id: idSchema, ownerId: z.string().nullable() })),
    }),
    'Gives records a new owner in one transaction through the writer (ordinary field ops that sync).',
  ),
};
