import type { ChannelDef, EventDef } from '../define';

/**
 * Channels of the sync domain. The contract (workspace.create, invites.*, sync.now/status,
 * devices.*, conflicts.*, event sync.statusChanged) is defined in `shared/sync/sync.contract.ts`;
 * it is spread in here together with the engine's handlers, since a channel without a handler
 * does not type-check.
 */
export const syncChannels = {} satisfies Record<string, ChannelDef>;

/** Push events of the sync domain. */
export const syncEvents = {} satisfies Record<string, EventDef>;
