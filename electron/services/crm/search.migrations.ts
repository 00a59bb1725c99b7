import type { Db } from '../db/database';
import { displayText, indexText } from './search.text';

/** Documents read per page: better-sqlite3 cannot write while a statement is still iterating. */
const PAGE = 1000;

/**
 * Search aliases (crm migration 15): documents stored before it get the aliases `indexText` now
 * appends (obrien for O'Brien, weiss for Weiß), so they match as newly written ones do. Only
 * documents whose text gains aliases change; each is taken out of its index with the values it was
 * indexed with, as external-content FTS5 needs, then indexed again.
 */
export function searchAliasesV15(db: Db): void {
  const page = db.prepare<[number, number], { rowid: number; title: string; body: string }>(
    'SELECT rowid, title, body FROM crm_search_docs WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const update = db.prepare<[string, string, number]>(
    'UPDATE crm_search_docs SET title = ?, body = ? WHERE rowid = ?',
  );
  const moves = [
    ['crm_search_names', 'title'],
    ['crm_search_text', 'body'],
  ].map(([table, column]) => ({
    drop: db.prepare<[number, string]>(
      `INSERT INTO ${table} (${table}, rowid, ${column}) VALUES ('delete', ?, ?)`,
    ),
    add: db.prepare<[number, string]>(`INSERT INTO ${table} (rowid, ${column}) VALUES (?, ?)`),
  }));
  for (let after = 0; ;) {
    const rows = page.all(after, PAGE);
    if (rows.length === 0) return;
    for (const row of rows) {
      const before = [row.title, row.body];
      const next = before.map((text) => indexText(displayText(text)));
      if (next.every((text, i) => text === before[i])) continue;
      moves.forEach((m, i) => {
        if (next[i] === before[i]) return;
        m.drop.run(row.rowid, before[i]!);
        m.add.run(row.rowid, next[i]!);
      });
      update.run(next[0]!, next[1]!, row.rowid);
    }
    after = rows[rows.length - 1]!.rowid;
  }
}
