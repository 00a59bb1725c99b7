import type Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../../shared/errors';
import { withRollbackJournal, type Db } from '../db/database';
import { insertBatched } from '../db/insert.batched';
import type { EntityDef, FieldDef } from './crm.entities';
import { RowCountsRepository } from './counts.repository';
import { decodeCursor, encodeCursor } from './records.cursor';
import { filterSql } from './records.filters';

type Row = Record<string, unknown>;

/** A record as the API shows it (fields plus meta). */
export type RecordData = Record<string, unknown> & { id: string; deletedAt: number | null };

export interface ListQuery {
  readonly filter: Readonly<Record<string, unknown>>;
  readonly sort: { readonly field: string; readonly dir: 'asc' | 'desc' };
  readonly limit: number;
  readonly cursor: string | null;
  readonly includeDeleted: boolean;
  /** False: no count(*); `total` is then a lower bound. */
  readonly count: boolean;
  /** Rows to skip (in sort order) before the page; not with a cursor. */
  readonly offset: number;
}

export interface ListPage {
  readonly items: RecordData[];
  readonly nextCursor: string | null;
  readonly total: number;
  readonly totalExact: boolean;
}

export interface WriteMeta {
  readonly at: number;
  readonly by: string;
}

/** Converts an API value to its column value. */
export function toColumn(def: FieldDef, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (def.storage) {
    case 'json':
      return JSON.stringify(value);
    case 'bool':
      return value ? 1 : 0;
    default:
      return value;
  }
}

function fromColumn(def: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (def.storage) {
    case 'json':
      // A damaged column comes back as its text, which the record schema then rejects (the row is
      // skipped or reported), instead of failing every row read with it.
      try {
        return JSON.parse(value as string) as unknown;
      } catch {
        return value;
      }
    case 'bool':
      return value === 1;
    default:
      return value;
  }
}

/**
 * `+deleted_at IS NULL` (unary plus) in queries served by a more specific index keeps the planner
 * from preferring the deleted_at index, which exists for counting live rows.
 *
 * Generic storage of CRM records: one table per entity, one column per field, described by an
 * `EntityDef`. Table and column names come only from those constant definitions; values are always
 * bound parameters.
 */
export class RecordsRepository {
  private readonly stmts = new Map<string, Database.Statement<unknown[], Row>>();
  /** Totals by query, valid while the connection's change counter is unchanged (paging reuses them). */
  private readonly totals = new Map<string, { changes: string; total: number }>();

  /** Kept row counts: the totals of unfiltered lists. */
  private readonly rowCounts: RowCountsRepository;

  constructor(private readonly db: Db) {
    this.rowCounts = new RowCountsRepository(db);
  }

  private stmt(sql: string): Database.Statement<unknown[], Row> {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[], Row>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private selectList<T>(def: EntityDef<T>): string {
    const cols = Object.entries(def.fields).map(([f, d]) => `${d.column} AS "${f}"`);
    return [
      'id',
      ...cols,
      'created_at AS createdAt',
      'updated_at AS updatedAt',
      'created_by AS createdBy',
      'updated_by AS updatedBy',
      'deleted_at AS deletedAt',
    ].join(', ');
  }

  private toRecord<T>(def: EntityDef<T>, row: Row): RecordData {
    const out: Row = { ...row };
    for (const [f, d] of Object.entries(def.fields)) out[f] = fromColumn(d, row[f]);
    delete out._sortv;
    return out as RecordData;
  }

  /** Inserts a new record with every field (defaults already applied). */
  insert<T>(def: EntityDef<T>, id: string, fields: Readonly<Record<string, unknown>>, meta: WriteMeta): void {
    const entries = Object.entries(def.fields);
    const sql = `INSERT INTO ${def.table} (id, ${entries.map(([, d]) => d.column).join(', ')},
      created_at, updated_at, created_by, updated_by) VALUES (?, ${entries.map(() => '?').join(', ')}, ?, ?, ?, ?)`;
    this.stmt(sql).run(
      id,
      ...entries.map(([f, d]) => toColumn(d, fields[f])),
      meta.at,
      meta.at,
      meta.by,
      meta.by,
    );
  }

  /**
   * Inserts many new records (bulk import): the same rows as `insert` for each, through one cached
   * statement. Each element is `[id, ...field columns (as toColumn gives them), createdAt, updatedAt,
   * createdBy, updatedBy]` in `def.fields` order. (Measured: one prepared statement per row beats
   * INSERT … SELECT FROM json_each and multi-row VALUES here, which pay for re-parsing and binding.)
   */
  insertMany<T>(def: EntityDef<T>, rows: readonly unknown[][]): void {
    if (rows.length === 0) return;
    const columns = Object.values(def.fields).map((d) => d.column);
    const head = `INSERT INTO ${def.table} (id, ${columns.join(', ')}, created_at, updated_at, created_by, updated_by) VALUES `;
    const tuple = `(?, ${columns.map(() => '?').join(', ')}, ?, ?, ?, ?)`;
    // Many rows per statement, as the op log's bulk append.
    insertBatched((sql) => this.stmt(sql), head, tuple, rows);
  }

  /** Writes the given fields (and the updated stamp) of one record. */
  update<T>(
    def: EntityDef<T>,
    id: string,
    changes: Readonly<Record<string, unknown>>,
    meta: WriteMeta,
  ): void {
    const keys = Object.keys(changes).filter((k) => def.fields[k]);
    const sets = keys.map((k) => `${def.fields[k]!.column} = ?`);
    const sql = `UPDATE ${def.table} SET ${[...sets, 'updated_at = ?', 'updated_by = ?'].join(', ')} WHERE id = ?`;
    this.stmt(sql).run(...keys.map((k) => toColumn(def.fields[k]!, changes[k])), meta.at, meta.by, id);
  }

  /** Marks a record deleted (tombstone). */
  markDeleted<T>(def: EntityDef<T>, id: string, meta: WriteMeta): void {
    this.stmt(`UPDATE ${def.table} SET deleted_at = ?, updated_at = ?, updated_by = ? WHERE id = ?`).run(
      meta.at,
      meta.at,
      meta.by,
      id,
    );
  }

  /** One record, including tombstones; null when the id is unknown. */
  get<T>(def: EntityDef<T>, id: string): RecordData | null {
    const row = this.stmt(`SELECT ${this.selectList(def)} FROM ${def.table} WHERE id = ?`).get(id);
    return row ? this.toRecord(def, row) : null;
  }

  /** True when a live (not deleted) record with this id exists. */
  exists<T>(def: EntityDef<T>, id: string): boolean {
    return !!this.stmt(`SELECT 1 AS x FROM ${def.table} WHERE id = ? AND deleted_at IS NULL`).get(id);
  }

  /** A filtered, sorted page (keyset pagination) plus the total number of matches. */
  list<T>(def: EntityDef<T>, q: ListQuery): ListPage {
    const sort = def.sorts[q.sort.field];
    if (!sort) throw new AppError('VALIDATION', 'Unknown sort field');
    const { where, params } = filterSql(def, q.filter, q.includeDeleted);
    if (q.offset > 0 && q.cursor) throw new AppError('VALIDATION', 'Use either a cursor or an offset');
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const counted = q.count ? this.count(def.table, whereSql, params) : null;

    const dir = q.sort.dir;
    // The page must walk the sort index; the unary + keeps the planner off the deleted_at index
    // (which serves the count) so it does not scan every live row and sort them.
    const pageWhere = where.map((w) => (w === 'deleted_at IS NULL' ? '+deleted_at IS NULL' : w));
    const pageParams = [...params];
    if (q.cursor) {
      const c = decodeCursor(q.cursor, q.sort.field, dir);
      pageWhere.push(`(${sort.expr}, id) ${dir === 'asc' ? '>' : '<'} (?, ?)`);
      pageParams.push(c.v, c.id);
    }
    const sql = `SELECT ${this.selectList(def)}, ${sort.expr} AS _sortv FROM ${def.table}
      ${pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : ''}
      ORDER BY ${sort.expr} ${dir}, id ${dir} LIMIT ? OFFSET ?`;
    const rows = this.stmt(sql).all(...pageParams, q.limit + 1, q.offset);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor =
      more && last
        ? encodeCursor({ f: q.sort.field, d: dir, v: last._sortv as string | number, id: last.id as string })
        : null;
    const total = counted ?? q.offset + page.length + (more ? 1 : 0);
    return { items: page.map((r) => this.toRecord(def, r)), nextCursor, total, totalExact: counted !== null };
  }

  /**
   * count(*) of a filtered list, cached until any row changes: total_changes() counts every insert,
   * update and delete made through this connection, merges included, and data_version moves when
   * another connection (the database worker's import) commits.
   */
  private count(table: string, whereSql: string, params: readonly unknown[]): number {
    // Unfiltered lists (the common first page) read the incrementally kept count.
    if (params.length === 0 && (whereSql === '' || whereSql === 'WHERE deleted_at IS NULL')) {
      const kept = this.rowCounts.count(table, whereSql === '' ? 'total' : 'live');
      if (kept !== null) return kept;
    }
    const changes = this.stmt(
      "SELECT total_changes() || ':' || (SELECT data_version FROM pragma_data_version) AS c",
    ).get()!.c as string;
    const key = `${table} ${whereSql} ${JSON.stringify(params)}`;
    const hit = this.totals.get(key);
    if (hit && hit.changes === changes) return hit.total;
    const total = this.stmt(`SELECT count(*) AS n FROM ${table} ${whereSql}`).get(...params)!.n as number;
    if (this.totals.size >= 64) this.totals.clear();
    this.totals.set(key, { changes, total });
    return total;
  }

  /** Live records whose `column` equals `value` (links from activities, tasks, deals, contacts). */
  linked<T>(def: EntityDef<T>, column: string, value: string): RecordData[] {
    return this.stmt(
      `SELECT ${this.selectList(def)} FROM ${def.table} WHERE ${column} = ? AND +deleted_at IS NULL ORDER BY id`,
    )
      .all(value)
      .map((r) => this.toRecord(def, r));
  }

  /** Live deals whose contact list contains the contact. */
  dealsWithContact<T>(def: EntityDef<T>, contactId: string): RecordData[] {
    return this.stmt(
      `SELECT ${this.selectList(def)} FROM ${def.table}
       WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM json_each(contact_ids) WHERE value = ?)`,
    )
      .all(contactId)
      .map((r) => this.toRecord(def, r));
  }

  /** Live activities that list a contact among their attendees. */
  activitiesWithAttendee<T>(def: EntityDef<T>, contactId: string): RecordData[] {
    return this.stmt(
      `SELECT ${this.selectList(def)} FROM ${def.table}
       WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM json_each(attendee_ids) WHERE value = ?)`,
    )
      .all(contactId)
      .map((r) => this.toRecord(def, r));
  }

  /** Positions of the live deals in one stage, in order (excluding one deal). */
  stagePositions(pipelineId: string, stageId: string, exceptId: string): { id: string; position: number }[] {
    return this.stmt(
      `SELECT id, position FROM crm_deals WHERE pipeline_id = ? AND stage_id = ? AND +deleted_at IS NULL
       AND id <> ? ORDER BY position, id`,
    ).all(pipelineId, stageId, exceptId) as { id: string; position: number }[];
  }

  /** The largest position among the live deals of a stage (null when empty). */
  maxStagePosition(pipelineId: string, stageId: string): number | null {
    const row = this.stmt(
      'SELECT max(position) AS p FROM crm_deals WHERE pipeline_id = ? AND stage_id = ? AND +deleted_at IS NULL',
    ).get(pipelineId, stageId);
    return (row?.p as number | null | undefined) ?? null;
  }

  /** Per stage and currency: how many live deals match the filter and the sum of their amounts. */
  dealStageSums(
    def: EntityDef<unknown>,
    filter: Readonly<Record<string, unknown>>,
  ): { stageId: string; currency: string; count: number; sum: number }[] {
    const { where, params } = filterSql(def, filter, false);
    return this.stmt(
      `SELECT stage_id AS stageId, currency, count(*) AS count, total(amount_minor) AS sum FROM crm_deals
       WHERE ${where.join(' AND ')} GROUP BY stage_id, currency ORDER BY stage_id, currency`,
    ).all(...params) as { stageId: string; currency: string; count: number; sum: number }[];
  }

  /** The number of live deals in a pipeline, optionally limited to some stages. */
  countDeals(pipelineId: string, stageIds: readonly string[] | null): number {
    if (stageIds && stageIds.length === 0) return 0;
    const sql = stageIds
      ? `SELECT count(*) AS n FROM crm_deals WHERE pipeline_id = ? AND +deleted_at IS NULL
         AND stage_id IN (SELECT value FROM json_each(?))`
      : `SELECT count(*) AS n FROM crm_deals WHERE pipeline_id = ? AND +deleted_at IS NULL`;
    const row = stageIds
      ? this.stmt(sql).get(pipelineId, JSON.stringify(stageIds))
      : this.stmt(sql).get(pipelineId);
    return row!.n as number;
  }

  /** A live account with exactly this name (case-insensitive), if any. */
  accountByName(name: string): string | null {
    const row = this.stmt(
      'SELECT id FROM crm_accounts WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL LIMIT 1',
    ).get(name);
    return (row?.id as string | undefined) ?? null;
  }

  /** Every live record of an entity, in id order (exports). */
  *iterate<T>(def: EntityDef<T>, ids: readonly string[] | null): Generator<RecordData> {
    if (ids) {
      for (const id of ids) {
        const r = this.get(def, id);
        if (r && r.deletedAt === null) yield r;
      }
      return;
    }
    const s = this.db.prepare<[], Row>(
      `SELECT ${this.selectList(def)} FROM ${def.table} WHERE deleted_at IS NULL ORDER BY id`,
    );
    for (const row of s.iterate()) yield this.toRecord(def, row);
  }

  /**
   * Erasure: overwrites every field of a record with an empty value and deletes nothing else, so the
   * row remains as a tombstone (id, stamps, deletedAt) for sync to propagate.
   */
  blank<T>(def: EntityDef<T>, id: string, blanks: Readonly<Record<string, unknown>>, meta: WriteMeta): void {
    const keys = Object.keys(def.fields);
    const sets = keys.map((k) => `${def.fields[k]!.column} = ?`);
    this.stmt(
      `UPDATE ${def.table} SET ${sets.join(', ')}, deleted_at = coalesce(deleted_at, ?), updated_at = ?,
       updated_by = ? WHERE id = ?`,
    ).run(...keys.map((k) => toColumn(def.fields[k]!, blanks[k])), meta.at, meta.at, meta.by, id);
  }

  /**
   * Runs a bulk write (an import, outside any transaction) with the rollback journal instead
   * of the WAL (see `withRollbackJournal`) and a page cache of at least `cacheKib`.
   */
  bulkWrite<T>(cacheKib: number, fn: () => T): T {
    return withRollbackJournal(this.db, () => this.withCacheSize(cacheKib, fn));
  }

  /**
   * Runs `fn` with a page cache of at least `kib` KiB, restoring the previous size afterwards. A bulk
   * write larger than the cache spills dirty pages to the WAL mid-transaction and reads (decrypts)
   * them back; a cache that holds the whole write avoids both.
   */
  withCacheSize<T>(kib: number, fn: () => T): T {
    const before = this.db.pragma('cache_size', { simple: true }) as number;
    // Negative values are KiB, positive ones pages.
    const pageKib = (this.db.pragma('page_size', { simple: true }) as number) / 1024;
    const beforeKib = before < 0 ? -before : before * pageKib;
    if (beforeKib >= kib) return fn();
    this.db.pragma(`cache_size = -${Math.floor(kib)}`);
    try {
      return fn();
    } finally {
      this.db.pragma(`cache_size = ${before}`);
    }
  }
}
