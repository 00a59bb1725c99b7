import type { ChannelDef, EventDef } from '../define';

/** Channels of the sync domain (`sync.*`). */
export const syncChannels = {} satisfies Record<string, ChannelDef>;

/** Push events of the sync domain. */
export const syncEvents = {} satisfies Record<string, EventDef>;
