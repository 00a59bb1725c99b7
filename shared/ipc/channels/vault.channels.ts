import type { ChannelDef, EventDef } from '../define';

/** Channels of the vault domain (`vault.*`). */
export const vaultChannels = {} satisfies Record<string, ChannelDef>;

/** Push events of the vault domain. */
export const vaultEvents = {} satisfies Record<string, EventDef>;
