import type { ChannelDef, EventDef } from '../define';

/** Channels of the settings domain (`settings.*`). */
export const settingsChannels = {} satisfies Record<string, ChannelDef>;

/** Push events of the settings domain. */
export const settingsEvents = {} satisfies Record<string, EventDef>;
