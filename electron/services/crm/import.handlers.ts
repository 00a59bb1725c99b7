import type { ModuleContext } from '../module';
import type { Handler } from '../ipc/router';
import type { CrmService } from './crm.service';
import { findDuplicates, mergeRecords } from './duplicates.service';
import { exportCsv } from './export.csv';
import { commitContacts, previewContacts } from './import.csv';
import { NO_CONTROL, type ImportControl } from './import.file';
import { previewRecords } from './import.records';
import { commitRecords } from './import.records.commit';
import { NO_MEMBERS, type CsvMembersSource } from './members.csv';

type ImportChannel =
  'import.preview' | 'import.commit' | 'import.cancel' | 'export.csv' | 'duplicates.find' | 'records.merge';

/**
 * Handlers of the import, the CSV export that round-trips with it, duplicate checks and merges. A
 * running import is known by its importId until it ends, so `import.cancel` (answered between its
 * chunks) can stop it before it writes. Owners are exported and read back by the names of `members`.
 */
export function createImportHandlers(
  ctx: ModuleContext,
  svc: () => CrmService,
  members: CsvMembersSource = NO_MEMBERS,
): { readonly [C in ImportChannel]: Handler<C> } {
  const running = new Map<string, { cancelled: boolean }>();
  return {
    'import.preview': (input) => {
      const entity = input.entity ?? 'contact';
      return entity === 'contact'
        ? previewContacts(svc(), input, ctx.now(), NO_CONTROL, members())
        : previewRecords(svc(), input, NO_CONTROL, members());
    },
    'import.commit': async (input) => {
      const id = input.importId;
      const flag = { cancelled: false };
      if (id !== undefined) running.set(id, flag);
      const crm = svc();
      // The analysis yields: the vault may lock (or lock and reopen) meanwhile, and then nothing is written.
      const closed = () => {
        try {
          return svc() !== crm;
        } catch {
          return true;
        }
      };
      const control: ImportControl = { cancelled: () => flag.cancelled, progress: () => undefined, closed };
      try {
        return (input.entity ?? 'contact') === 'contact'
          ? await commitContacts(crm, input, ctx, control, members())
          : await commitRecords(crm, input, ctx, control, members());
      } finally {
        if (id !== undefined && running.get(id) === flag) running.delete(id);
      }
    },
    'import.cancel': (input) => {
      const flag = running.get(input.importId);
      if (!flag) return { cancelled: false };
      flag.cancelled = true;
      return { cancelled: true };
    },
    'export.csv': (input) =>
      exportCsv(svc(), input.entity, input.ids ?? null, input.filter ?? null, members()),
    'duplicates.find': (input) => findDuplicates(svc(), input),
    'records.merge': (input) => mergeRecords(svc(), input),
  };
}
