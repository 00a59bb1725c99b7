import { AppError } from '../../../shared/errors';
import type { ChannelOutput, ParsedInput } from '../../../shared/ipc/contract';
import type { ModuleContext } from '../module';
import { accountDef, activityDef, dealDef, taskDef, type EntityDef } from './crm.entities';
import type { CrmService } from './crm.service';
import { checkCancelled, type ImportControl } from './import.file';
import { analyse, readRecordFile } from './import.records';
import type { CsvMembers } from './members.csv';

/*
 * The write half of an account, deal, activity or task import (the analysis is import.records.ts):
 * one transaction of creates through the change writer, after every row was checked.
 */

/** Imports accounts, deals, activities or tasks in one transaction through the change writer. */
export async function commitRecords(
  svc: CrmService,
  input: ParsedInput<'import.commit'>,
  ctx: ModuleContext,
  control: ImportControl,
  members: CsvMembers = null,
): Promise<ChannelOutput<'import.commit'>> {
  const { entity, custom, policy, file } = readRecordFile(svc, input);
  if (!file.hasName) {
    throw new AppError(
      'VALIDATION',
      entity === 'activity'
        ? 'No column is mapped to a date'
        : `No column is mapped to a ${entity === 'task' ? 'title' : 'name'}`,
    );
  }
  const importId = input.importId ?? 'import';
  const a = await analyse(
    svc,
    file,
    input,
    {
      ...control,
      progress: (done, total) => {
        control.progress(done, total);
        ctx.emit('import.progressed', { importId, done: 0, total, analysed: done });
      },
    },
    members,
  );
  // Rows whose custom cells do not fit count as rows with errors (see customRowPolicy).
  const badRows = new Set([...a.errorRows, ...policy.skip]);
  if ((input.onRowError ?? 'abort') === 'abort' && badRows.size > 0) {
    throw new AppError('VALIDATION', `${badRows.size} rows have errors; nothing was imported`);
  }
  const kept = a.kept.filter((row) => !policy.skip.has(row.row));
  checkCancelled(control);
  const def: EntityDef<unknown> = {
    account: accountDef,
    deal: dealDef,
    activity: activityDef,
    task: taskDef,
  }[entity];
  let accountsCreated = 0;
  svc.tx(() => {
    for (const row of kept) {
      const fields: Record<string, unknown> = { ...row.fields, custom: custom.valuesOf(row.row) };
      if (row.accountName) {
        let id = a.links.account(row.accountName);
        if (!id) {
          id = svc.create(accountDef, { name: row.accountName }).id;
          a.links.rememberAccount(row.accountName, id);
          accountsCreated++;
        }
        fields.accountId = id;
      }
      if (entity === 'deal')
        fields.position = svc.endOfStage(String(fields.pipelineId), String(fields.stageId));
      svc.create(def, fields);
    }
  });
  ctx.emit('import.progressed', { importId, done: kept.length, total: kept.length });
  ctx.logger.log('info', 'crm.imported', {
    entity,
    created: kept.length,
    rowsWithErrors: badRows.size,
  });
  return {
    created: kept.length,
    skippedDuplicates: 0,
    accountsCreated,
    skippedRows: badRows.size,
    droppedValues: a.warnings.length + policy.warnings.length,
  };
}
