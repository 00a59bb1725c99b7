import type { crmChannels } from '../../../shared/ipc/channels/crm.channels';
import type { ModuleContext, ServiceModule } from '../module';
import { requireExportRight, type PolicyReader } from '../policy/policy.guards';
import type { VaultAccess } from '../vault/vault.access';
import type { DbWorkers } from '../worker/db.worker.client';
import { changePipeline, type ChangePipeline } from './change.pipeline';
import { createCrmHandlers } from './crm.handlers';
import type { ErasureSink } from './changes.erasure';
import { CrmService } from './crm.service';
import { createOffloadedImportHandlers } from './import.offload';
import { NO_MEMBERS, type CsvMembersSource } from './members.csv';
import { ReminderScheduler, type Notifier } from './reminders';

export type CrmChannelName = keyof typeof crmChannels;

/** Accounts, contacts, deals, activities, tasks, pipelines, search, import/export, privacy. */
export function createCrmModule(
  ctx: ModuleContext,
  vault: VaultAccess,
  policy: PolicyReader,
  /** Where task reminders go (the OS notifications in the app); none: no reminders. */
  notifier?: Notifier,
  /** The database worker pool: imports run there, off main's event loop; none: in-process. */
  workers?: DbWorkers,
  /** The workspace's members, whom CSV exports and imports name owners by; none: ids as stored. */
  members: CsvMembersSource = NO_MEMBERS,
  /** What else in the vault forgets an erased record's older values (sync's tables). */
  erasure?: ErasureSink,
): ServiceModule<CrmChannelName> & {
  readonly service: () => CrmService;
  readonly pipeline: () => ChangePipeline;
} {
  let service: CrmService | null = null;
  let pipeline: ChangePipeline | null = null;
  // Prepared statements belong to one connection: drop them before the vault closes it.
  let reminders: ReminderScheduler | null = null;
  const offUnlocked = vault.onUnlocked((db) => {
    if (!notifier) return;
    reminders?.stop();
    reminders = new ReminderScheduler(db, notifier, ctx.now);
    reminders.start();
  });
  // The first search after an unlock should not pay for reading its index pages cold (160 ms at
  // 1M contacts): the service is made and its hot pages read once the vault opens.
  const offWarm = vault.onUnlocked(() => {
    try {
      current().warm();
    } catch (error) {
      ctx.logger.log('warn', 'crm.warmFailed', { code: error instanceof Error ? error.name : 'unknown' });
    }
  });
  const unsubscribe = vault.onLocking(() => {
    reminders?.stop();
    reminders = null;
    service = null;
    pipeline = null;
  });
  const current = (): CrmService => {
    const db = vault.db();
    if (!service || service.db !== db) {
      service = new CrmService(db, ctx.now, (event) => ctx.emit('records.changed', event), erasure);
      pipeline = changePipeline(service);
    }
    return service;
  };
  const handlers = {
    ...createCrmHandlers(ctx, current, members),
    ...(workers ? createOffloadedImportHandlers(ctx, current, workers, members) : {}),
  };
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
      'agenda.exportIcs': async (input, call) => {
        await requireExportRight(policy, 'records');
        return handlers['agenda.exportIcs'](input, call);
      },
      'activities.exportIcs': async (input, call) => {
        await requireExportRight(policy, 'records');
        return handlers['activities.exportIcs'](input, call);
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
      reminders?.stop();
      reminders = null;
      offUnlocked();
      offWarm();
      unsubscribe();
      service = null;
      pipeline = null;
    },
  };
}
