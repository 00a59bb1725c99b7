import { AppError } from '../../../shared/errors';
import type { ChannelOutput, ParsedInput } from '../../../shared/ipc/contract';
import type { ModuleContext } from '../module';
import { accountDef, contactDef } from './crm.entities';
import type { CrmService } from './crm.service';
import { customRowPolicy, readCustomColumns } from './custom-fields.csv';
import { analyse, type Candidate, type ImportInput } from './import.analyse';
import { ENTITY_TARGETS } from './import.guesses';
import { checkCancelled, NO_CONTROL, parseFile, type ImportControl } from './import.file';
import type { CsvMembers } from './members.csv';

/** Dry run: what would be imported, with per-row errors and duplicates. */
export async function previewContacts(
  svc: CrmService,
  input: ImportInput,
  now: number,
  control: ImportControl = NO_CONTROL,
  members: CsvMembers = null,
): Promise<ChannelOutput<'import.preview'>> {
  const custom = readCustomColumns(svc, 'contact', input);
  const policy = customRowPolicy(custom, input.onRowError);
  const file = parseFile(input.csv, 'contact', custom.mapping);
  const a = await analyse(svc, file, input, now, () => undefined, control, members);
  return {
    entity: 'contact',
    hasName: file.hasName,
    targets: [...ENTITY_TARGETS.contact],
    customMapping: custom.customMapping,
    customTargets: custom.customTargets,
    headers: a.headers,
    mapping: a.mapping,
    rows: a.rows,
    valid: a.valid - [...policy.skip].filter((r) => !a.errorRows.has(r)).length,
    duplicates: a.duplicates,
    possibleDuplicates: a.possible.slice(0, 1000),
    errors: [...a.errors, ...policy.errors].slice(0, 1000),
    ...(input.onRowError === 'dropInvalidValues'
      ? { warnings: [...a.warnings, ...policy.warnings].slice(0, 1000) }
      : {}),
    sample: a.sample.map((c) => ({
      row: c.row,
      name: c.contact.name,
      emails: c.contact.emails ?? [],
      phones: c.contact.phones ?? [],
    })),
  };
}

/**
 * Imports in one transaction. Any row with an error rejects the whole file (VALIDATION) unless the
 * caller asked to skip such rows (skipRows) or to drop invalid values and skip only rows that cannot
 * be kept (dropInvalidValues); a failure half-way rolls everything back. Rows are written batch by
 * batch as the analysis accepts them; a file found to have errors in abort mode stops writing at
 * its first error and is rolled back once its errors are counted.
 */
export async function commitContacts(
  svc: CrmService,
  input: ParsedInput<'import.commit'>,
  ctx: ModuleContext,
  control: ImportControl = NO_CONTROL,
  members: CsvMembers = null,
): Promise<ChannelOutput<'import.commit'>> {
  const custom = readCustomColumns(svc, 'contact', input);
  const policy = customRowPolicy(custom, input.onRowError);
  const file = parseFile(input.csv, 'contact', custom.mapping);
  if (!file.hasName) throw new AppError('VALIDATION', 'No column is mapped to a name');
  const abort = (input.onRowError ?? 'abort') === 'abort';
  const importId = input.importId ?? 'import';
  const rows = file.data.length - 1;
  let created = 0;
  let accountsCreated = 0;
  // About 4 KiB of pages per imported contact (row, indexes, search, op log), 64-512 MiB; only pages
  // actually used are allocated, and the size is restored afterwards.
  const cacheKib = Math.min(524_288, Math.max(65_536, rows * 4));
  // Analysis first, yielding between chunks so other calls are answered and a cancel is seen.
  const batches: Candidate[][] = [];
  const a = await analyse(
    svc,
    file,
    input,
    ctx.now(),
    (batch, errorRowsSoFar) => {
      if (!(abort && errorRowsSoFar > 0)) batches.push(batch);
    },
    {
      ...control,
      progress: (done, total) => {
        control.progress(done, total);
        ctx.emit('import.progressed', { importId, done: 0, total: rows, analysed: done });
      },
    },
    members,
  );
  // Rows whose custom cells do not fit count as rows with errors (see customRowPolicy).
  const badRows = new Set([...a.errorRows, ...policy.skip]);
  if (abort && badRows.size > 0) {
    throw new AppError('VALIDATION', `${badRows.size} rows have errors; nothing was imported`);
  }
  checkCancelled(control);
  // Then every row in one transaction: all or nothing (in the app this runs on the database
  // worker's connection, off main's event loop: electron/services/worker).
  svc.records.bulkWrite(cacheKib, () =>
    svc.tx(() =>
      svc.search.bulkLoad(() => {
        const accounts = new Map<string, string | null>();
        for (const batch of batches) {
          // A cancel or a lock while writing throws here: the transaction rolls back, nothing is kept.
          checkCancelled(control);
          // Each batch's new accounts first (through the ordinary path), then its contacts in
          // bulk: every op of the import is appended in stamp order.
          const contacts = batch
            .filter((c) => !policy.skip.has(c.row))
            .map((c) => {
              let accountId: string | null = null;
              if (c.accountName) {
                const key = c.accountName.toLowerCase();
                accountId = accounts.get(key) ?? svc.records.accountByName(c.accountName);
                if (!accountId) {
                  accountId = svc.create(accountDef, { name: c.accountName }).id;
                  accountsCreated++;
                }
                accounts.set(key, accountId);
              }
              return { ...c.contact, accountId, custom: custom.valuesOf(c.row) };
            });
          svc.createMany(contactDef, contacts, () => undefined, contacts.length);
          created += contacts.length;
          ctx.emit('import.progressed', { importId, done: created, total: rows });
        }
      }),
    ),
  );
  const skippedDuplicates = a.duplicates.length;
  ctx.emit('import.progressed', { importId, done: created, total: created });
  ctx.logger.log('info', 'crm.imported', {
    created,
    skippedDuplicates,
    rowsWithErrors: a.errorRows.size,
    droppedValues: a.warnings.length,
  });
  return {
    created,
    skippedDuplicates,
    accountsCreated,
    skippedRows: badRows.size,
    droppedValues: a.warnings.length + policy.warnings.length,
  };
}
