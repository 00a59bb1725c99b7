import type { crmChannels } from '../../../shared/ipc/channels/crm.channels';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from '../vault/vault.access';

export type CrmChannelName = keyof typeof crmChannels;

/** Accounts, contacts, deals, activities, tasks, pipelines, search, import/export, privacy. */
export function createCrmModule(_ctx: ModuleContext, _vault: VaultAccess): ServiceModule<CrmChannelName> {
  return { handlers: {} };
}
