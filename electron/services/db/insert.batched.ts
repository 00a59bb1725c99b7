/**
 * Rows per multi-row INSERT: the per-statement cost is a large part of a row's (measured ~2x). A
 * contact binds 19 values: 1,900 parameters, well under SQLite's limit.
 */
export const ROWS_PER_INSERT = 100;

/** A cached prepared statement for `sql` (each repository keeps its own cache). */
export type StatementFor = (sql: string) => { run(...params: unknown[]): unknown };

/**
 * Runs `head` + `tuple` for every row, `ROWS_PER_INSERT` rows per statement and the rest one by
 * one. `head` is `INSERT INTO t (…) VALUES `, `tuple` one row's `(?, …)`; each row holds exactly
 * the tuple's parameters, bound in order. The SQL is the caller's (a repository's).
 */
export function insertBatched(
  statement: StatementFor,
  head: string,
  tuple: string,
  rows: readonly (readonly unknown[])[],
): void {
  let at = 0;
  if (rows.length >= ROWS_PER_INSERT) {
    const many = statement(head + Array.from({ length: ROWS_PER_INSERT }, () => tuple).join(', '));
    const args: unknown[] = [];
    for (; at + ROWS_PER_INSERT <= rows.length; at += ROWS_PER_INSERT) {
      args.length = 0;
      for (let k = at; k < at + ROWS_PER_INSERT; k++) for (const v of rows[k]!) args.push(v);
      many.run(...args);
    }
  }
  if (at === rows.length) return;
  const one = statement(head + tuple);
  for (; at < rows.length; at++) one.run(...rows[at]!);
}
