import type { ChannelDef, EventDef } from '../define';

/** Channels of the crm domain (`crm.*`). */
export const crmChannels = {} satisfies Record<string, ChannelDef>;

/** Push events of the crm domain. */
export const crmEvents = {} satisfies Record<string, EventDef>;
