import type { syncChannels } from '../../../shared/ipc/channels/sync.channels';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from '../vault/vault.access';

export type SyncChannelName = keyof typeof syncChannels;

/** Workspace, invites, devices, the sync engine and conflicts. */
export function createSyncModule(_ctx: ModuleContext, _vault: VaultAccess): ServiceModule<SyncChannelName> {
  return { handlers: {} };
}
