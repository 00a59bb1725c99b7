import { channels } from '../../../shared/ipc/contract';
import type { Handler } from '../ipc/router';
import type { ModuleContext } from '../module';
import type { DbJobHandle, DbWorkers } from '../worker/db.worker.client';
import { announceWorkerEvent } from '../worker/db.worker.events';
import type { CrmService } from './crm.service';
import { NO_MEMBERS, type CsvMembersSource } from './members.csv';

type OffloadedChannel = 'import.preview' | 'import.commit' | 'import.cancel' | 'export.csv' | 'export.vcard';

/**
 * The import and export channels over the database worker: preview and commit run there (parse, validate,
 * de-duplicate, write through the change writer in one transaction) while main's event loop keeps
 * answering calls. Progress and `records.changed` come back from the worker and are announced here;
 * `import.cancel` stops a running import at its next check, before or while it writes (rolled back).
 */
export function createOffloadedImportHandlers(
  ctx: ModuleContext,
  svc: () => CrmService,
  workers: DbWorkers,
  members: CsvMembersSource = NO_MEMBERS,
): { readonly [C in OffloadedChannel]: Handler<C> } {
  const running = new Map<string, DbJobHandle>();
  const forward = (event: string, payload: unknown): void => announceWorkerEvent(ctx, event, payload);
  return {
    'import.preview': async (input) => {
      svc();
      const handle = workers.run(
        { kind: 'import.preview', input, members: members() },
        { writes: false, onEvent: forward },
      );
      return channels['import.preview'].output.parse((await handle.result).value);
    },
    'import.commit': async (input) => {
      const crm = svc();
      const handle = workers.run(
        { kind: 'import.commit', input, members: members() },
        { writes: true, onEvent: forward },
      );
      const id = input.importId;
      if (id !== undefined) running.set(id, handle);
      try {
        const { value, lastHlc } = await handle.result;
        // The worker stamped the new ops: this connection's clock moves above them.
        crm.adoptWorkerWrites(lastHlc);
        return channels['import.commit'].output.parse(value);
      } finally {
        if (id !== undefined && running.get(id) === handle) running.delete(id);
      }
    },
    // Exports read only: they run beside an import (on the last committed state), never behind it.
    'export.csv': async (input, call) => {
      svc();
      const handle = workers.run(
        { kind: 'export.csv', input, call, members: members() },
        { writes: false, onEvent: forward },
      );
      return channels['export.csv'].output.parse((await handle.result).value);
    },
    'export.vcard': async (input) => {
      svc();
      const handle = workers.run({ kind: 'export.vcard', input }, { writes: false, onEvent: forward });
      return channels['export.vcard'].output.parse((await handle.result).value);
    },
    'import.cancel': (input) => {
      const handle = running.get(input.importId);
      if (!handle) return { cancelled: false };
      handle.cancel();
      return { cancelled: true };
    },
  };
}
