import type { crmChannels } from '../../../shared/ipc/channels/crm.channels';
import type { ModuleContext, ServiceModule } from '../module';
import { requireExportRight, type PolicyReader } from '../policy/policy.guards';
import type { VaultAccess } from '../vault/vault.access';
import { changePipeline, type ChangePipeline } from './change.pipeline';
import { createCrmHandlers } from './crm.handlers';
import { CrmService } from './crm.service';

export type CrmChannelName = keyof typeof crmChannels;

/** Accounts, contacts, deals, activities, tasks, pipelines, search, import/export, privacy. */
export function createCrmModule(
  ctx: ModuleContext,
  vault: VaultAccess,
  policy: PolicyReader,
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
  const handlers = createCrmHandlers(ctx, current);
  return {
    handlers: {
      ...handlers,
      // Export rights are IT's (managed policy): checked in main before anything is read.
      'export.csv': async (input, call) => {
        await requireExportRight(policy, 'records');
        return handlers['export.csv'](input, call);
      },
      'export.vcard': async (input, call) => {
        await requireExportRight(policy, 'records');
        return handlers['export.vcard'](input, call);
      },
      'privacy.exportPerson': async (input, call) => {
        await requireExportRight(policy, 'person');
        return handlers['privacy.exportPerson'](input, call);
      },
    },
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
