import { syncContractChannels, syncContractEvents } from '../../sync/sync.contract';
import type { ChannelDef, EventDef } from '../define';

/**
 * Channels of the sync domain: workspace.create, invites.create/accept, sync.now/status,
 * devices.list/revoke, conflicts.list/resolve. Schemas live in `shared/sync/sync.contract.ts`;
 * handlers in `electron/services/sync/sync.module.ts`.
 */
export const syncChannels = { ...syncContractChannels } satisfies Record<string, ChannelDef>;

/** Push events of the sync domain: sync.statusChanged. */
export const syncEvents = { ...syncContractEvents } satisfies Record<string, EventDef>;
