import type { crmChannels } from '../../../shared/ipc/channels/crm.channels';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from '../vault/vault.access';
import { changePipeline, type ChangePipeline } from './change.pipeline';
import { createCrmHandlers } from './crm.handlers';
import { CrmService } from './crm.service';

export type CrmChannelName = keyof typeof crmChannels;

/** Accounts, contacts, deals, activities, tasks, pipelines, search, import/export, privacy. */
export function createCrmModule(
  ctx: ModuleContext,
  vault: VaultAccess,
): ServiceModule<CrmChannelName> & {
  readonly service: () => CrmService;
  readonly pipeline: () => ChangePipeline;
} {
  let service: CrmService | null = null;
  let pipeline: ChangePipeline | null = null;
  // Prepared statements belong to one connection: drop them before the vault closes it.
  const unsubscribe = vault.onLocking(() => {
    service = null;
    pipeline = null;
  });
  const current = (): CrmService => {
    const db = vault.db();
    if (!service || service.db !== db) {
      service = new CrmService(db, ctx.now, (event) => ctx.emit('records.changed', event));
      pipeline = changePipeline(service);
    }
    return service;
  };
  return {
    handlers: createCrmHandlers(ctx, current),
    service: current,
    pipeline: () => {
      current();
      return pipeline!;
    },
    dispose() {
      unsubscribe();
      service = null;
      pipeline = null;
    },
  };
}
