import { z } from 'zod';
import {
  idSchema,
  savedViewCreateSchema,
  savedViewFieldsSchema,
  savedViewListSchema,
  savedViewPatchSchema,
  savedViewSchema,
  timestampSchema,
} from '../domain/crm.schemas';
import { crud } from '../ipc/channels/crm.channels';
import { channel } from '../ipc/define';

/** The most private views one device keeps. */
export const PRIVATE_VIEWS_MAX = 500;

/** A view kept on this device only: the same fields as a shared view, never in the op log. */
export const privateViewSchema = savedViewFieldsSchema.extend({ id: idSchema, updatedAt: timestampSchema });
export type PrivateView = z.infer<typeof privateViewSchema>;

/**
 * Channels of saved views. Shared views are `savedView` records (the one writer, synced end-to-end
 * encrypted to every member); private views live in the device's vault and no other member can read them.
 */
export const viewsChannels = {
  ...crud(
    'savedViews',
    'a shared view',
    savedViewSchema,
    savedViewCreateSchema,
    savedViewPatchSchema,
    z.strictObject({ list: savedViewListSchema.optional() }),
    ['name', 'createdAt', 'updatedAt'],
  ),
  'privateViews.list': channel(
    z.strictObject({ list: savedViewListSchema.optional() }),
    z.array(privateViewSchema),
    "This device's private views (of one list, or all), by name.",
  ),
  'privateViews.save': channel(
    z.strictObject({ id: idSchema.optional(), view: savedViewFieldsSchema }),
    privateViewSchema,
    'Creates a private view, or replaces the one with this id; it never leaves the device.',
  ),
  'privateViews.delete': channel(
    z.strictObject({ id: idSchema }),
    z.strictObject({ id: idSchema }),
    'Deletes a private view (NOT_FOUND when there is none with this id).',
  ),
};
