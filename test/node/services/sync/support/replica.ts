import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Change } from '../../../../../electron/services/crm/change.pipeline';
import { crmMigrations } from '../../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../../electron/services/crm/crm.service';
import { entityDefs } from '../../../../../electron/services/crm/crm.entities';
import { OpLogRepository } from '../../../../../electron/services/crm/oplog.repository';
import { openEncryptedDatabase, type Db } from '../../../../../electron/services/db/database';
import { migrate } from '../../../../../electron/services/db/migrate';
import { syncMigrations } from '../../../../../electron/services/sync/sync.migrations';
import { parseHlc } from '../../../../../shared/domain/hlc';

/** One device's vault database (real encrypted SQLite, crm + sync schema) with its CRM and change writer. */
export interface Replica {
  readonly db: Db;
  readonly crm: CrmService;
  close(): void;
}

export function openReplica(dir: string, name: string, now: () => number): Replica {
  const db = openEncryptedDatabase(path.join(dir, `${name}.db`), randomBytes(32));
  migrate(db, [crmMigrations, syncMigrations]);
  return { db, crm: new CrmService(db, now), close: () => db.close() };
}

/**
 * What the sync engine's outbox does, without the transport: read the pending rows, mark them
 * pushed. Returns them as remote changes for other replicas.
 */
export function pushPending(r: Replica): Change[] {
  const oplog = new OpLogRepository(r.db);
  return r.db.transaction(() => {
    const rows = oplog.pending(1_000_000);
    oplog.markPushed(
      rows.map((x) => x.seq),
      1,
    );
    return rows.map((x) => ({
      opId: x.opId,
      entity: x.entity,
      recordId: x.recordId,
      hlc: x.hlc,
      deviceId: parseHlc(x.hlc)!.deviceId,
      fields: x.fields,
    }));
  })();
}

/** One pulled page: applied through the change writer in one transaction. */
export function applyPage(r: Replica, rows: readonly Change[]): void {
  r.crm.writer.apply(rows, 'remote');
}

type Row = Record<string, unknown>;

/** The replicated state: every record column (`updatedBy`/`createdBy` included), plus the search index contents. */
export function stateOf(db: Db): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const def of Object.values(entityDefs)) {
    out[def.kind] = db.prepare<[], Row>(`SELECT * FROM ${def.table} ORDER BY id`).all();
  }
  // The search documents by record id (rowids are local), and what each full-text index holds:
  // per term, how many documents and occurrences (rowid-free, so comparable across replicas).
  out.searchDocs = db
    .prepare<[], Row>(
      'SELECT record_id, entity, title, body, digits, emails FROM crm_search_docs ORDER BY record_id',
    )
    .all();
  const fts = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' AND name LIKE 'crm_search%' ORDER BY name",
    )
    .all();
  for (const { name } of fts) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_${name} USING fts5vocab(main, ${name}, row)`);
    out[name] = db.prepare<[], Row>(`SELECT term, doc, cnt FROM temp.vocab_${name} ORDER BY term`).all();
  }
  return out;
}
