import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { Db } from '../db/database';
import { SearchRepository } from './search.repository';
import { displayText } from './search.text';

/** Documents read per page: better-sqlite3 cannot write while a statement is still iterating. */
const PAGE = 1000;

/**
 * Search aliases (crm migration 15): documents stored before it get the aliases `indexText` now
 * appends (obrien for O'Brien, weiss for Weiß), so they match as newly written ones do. Each is
 * written again through `SearchRepository.put` from its shown text, which re-indexes only the
 * parts whose stored text changes (taken out with the values they were indexed with).
 */
export function searchAliasesV15(db: Db): void {
  const search = new SearchRepository(db);
  const page = db.prepare<
    [number, number],
    {
      rowid: number;
      entity: EntityKind;
      recordId: string;
      title: string;
      body: string;
      digits: string;
      emails: string;
    }
  >(
    `SELECT rowid, entity, record_id AS recordId, title, body, digits, emails FROM crm_search_docs
     WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  for (let after = 0; ;) {
    const rows = page.all(after, PAGE);
    if (rows.length === 0) return;
    for (const row of rows) {
      const doc = {
        title: displayText(row.title),
        body: displayText(row.body),
        digits: row.digits,
        emails: row.emails,
      };
      search.put(row.entity, row.recordId, doc);
    }
    after = rows[rows.length - 1]!.rowid;
  }
}
