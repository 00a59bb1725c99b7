import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import type { ModuleContext } from '../module';
import { formatHlc } from '../../../shared/domain/hlc';
import { crmClock } from '../crm/crm.clock';
import { CrmService } from '../crm/crm.service';
import { exportVcard } from '../crm/export.vcard';
import { commitContacts, previewContacts } from '../crm/import.csv';
import { createImportHandlers } from '../crm/import.handlers';
import type { ImportControl } from '../crm/import.file';
import { previewRecords } from '../crm/import.records';
import { commitRecords } from '../crm/import.records.commit';
import { changePipeline } from '../crm/change.pipeline';
import { SyncChain } from '../sync/sync.chain';
import { SyncConflicts } from '../sync/sync.conflicts';
import { applyPage, type PageStores } from '../sync/sync.page';
import { applySnapshotChunk } from '../sync/sync.snapshot.chunk';
import { forgetErasedInSync, SyncRepository } from '../sync/sync.repository';
import type { DbJob } from './db.worker.protocol';

/** Page cache of a sync page's connection: the page's working set (indexes, search) stays decrypted. */
const PAGE_CACHE_KIB = 64 * 1024;

/** Runs `fn` with the CRM's one change writer and the sync tables of this connection. */
function withSyncStores<T>(svc: CrmService, logger: Logger, fn: (stores: PageStores) => T): T {
  const pipeline = changePipeline(svc);
  const repo = new SyncRepository(svc.db);
  const stores: PageStores = {
    pipeline,
    repo,
    chain: new SyncChain(svc.db),
    conflicts: new SyncConflicts(repo, () => pipeline, logger),
    logger,
  };
  return svc.records.withCacheSize(PAGE_CACHE_KIB, () => fn(stores));
}

/** What a job running in the worker reaches of main: the control flags, events, logs, main's clock. */
export interface JobPort {
  readonly cancelled: () => boolean;
  readonly closed: () => boolean;
  readonly emit: (event: 'import.progressed' | 'records.changed', payload: unknown) => void;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Runs one job on the worker's connection with the same modules the in-process path uses: the CRM
 * service over this connection, its one change writer, the import's parse, validate and de-duplicate
 * steps, one transaction. `records.changed` from the writer (after commit) goes to main, which
 * announces it.
 */
export async function runDbJob(
  db: Db,
  job: DbJob,
  port: JobPort,
): Promise<{ value: unknown; lastHlc: string | null }> {
  const svc = new CrmService(
    db,
    port.now,
    (event) => port.emit('records.changed', event),
    forgetErasedInSync,
  );
  const before = formatHlc(crmClock(db, svc.deviceId, port.now).last());
  const value = await run(svc, job, port);
  // Main's clock moves past this one's stamps; reading max(hlc) on main would scan the whole op log.
  const last = formatHlc(crmClock(db, svc.deviceId, port.now).last());
  return { value, lastHlc: last !== before ? last : null };
}

function run(svc: CrmService, job: DbJob, port: JobPort): Promise<unknown> {
  const ctx: ModuleContext = {
    dataDir: '',
    logger: port.logger,
    emit: (event, payload) => {
      if (event === 'import.progressed' || event === 'records.changed') port.emit(event, payload);
    },
    now: port.now,
  };
  const control: ImportControl = {
    cancelled: port.cancelled,
    closed: port.closed,
    progress: () => undefined,
  };
  switch (job.kind) {
    case 'import.preview':
      return (job.input.entity ?? 'contact') === 'contact'
        ? previewContacts(svc, job.input, port.now(), control, job.members ?? null)
        : previewRecords(svc, job.input, control, job.members ?? null);
    case 'import.commit':
      return (job.input.entity ?? 'contact') === 'contact'
        ? commitContacts(svc, job.input, ctx, control, job.members ?? null)
        : commitRecords(svc, job.input, ctx, control, job.members ?? null);
    // Exports through the very handlers main would run (filters, columns and all).
    case 'export.csv':
      return Promise.resolve(
        createImportHandlers(
          ctx,
          () => svc,
          () => job.members ?? null,
        )['export.csv'](job.input, job.call),
      );
    case 'sync.applyPage':
      return Promise.resolve(withSyncStores(svc, port.logger, (stores) => applyPage(stores, job.page)));
    case 'sync.applySnapshotChunk':
      return Promise.resolve(
        withSyncStores(svc, port.logger, (stores) => applySnapshotChunk(stores, job.chunk)),
      );
    case 'export.vcard':
      return Promise.resolve(
        exportVcard(svc, job.input.ids ?? null, (entity, count) =>
          port.logger.log('warn', 'crm.recordsSkipped', { entity, count }),
        ),
      );
  }
}
