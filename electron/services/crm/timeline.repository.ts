import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../db/database';

type Row = { id: string; at: number };

/**
 * The activities and tasks a record's timeline shows. An account's timeline rolls up its contacts'
 * and its deals' activities and tasks besides its own (each row once, however it is linked).
 */
export class TimelineRepository {
  private readonly stmts = new Map<string, Database.Statement<unknown[], Row>>();

  constructor(private readonly db: Db) {}

  private stmt(sql: string): Database.Statement<unknown[], Row> {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[], Row>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Rows of `table` linked to the record, newest first, strictly before (at, id). */
  slice(
    table: 'crm_activities' | 'crm_tasks',
    entity: 'account' | 'contact' | 'deal',
    id: string,
    beforeAt: number,
    beforeKey: string,
    limit: number,
  ): Row[] {
    const at = table === 'crm_activities' ? 'occurred_at' : 'created_at';
    if (entity !== 'account') {
      const column = entity === 'contact' ? 'contact_id' : 'deal_id';
      return this.stmt(
        `SELECT id, ${at} AS at FROM ${table} WHERE ${column} = ? AND +deleted_at IS NULL
         AND (${at}, id) < (?, ?) ORDER BY ${at} DESC, id DESC LIMIT ?`,
      ).all(id, beforeAt, beforeKey, limit);
    }
    // UNION (not UNION ALL): a visit linked to the account and to one of its contacts shows once.
    return this.stmt(
      `SELECT id, at FROM (
         SELECT x.id, x.${at} AS at FROM ${table} x WHERE x.account_id = ? AND x.deleted_at IS NULL
         UNION
         SELECT x.id, x.${at} FROM ${table} x JOIN crm_contacts c ON c.id = x.contact_id
           WHERE c.account_id = ? AND c.deleted_at IS NULL AND x.deleted_at IS NULL
         UNION
         SELECT x.id, x.${at} FROM ${table} x JOIN crm_deals d ON d.id = x.deal_id
           WHERE d.account_id = ? AND d.deleted_at IS NULL AND x.deleted_at IS NULL
       ) WHERE (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?`,
    ).all(id, id, id, beforeAt, beforeKey, limit);
  }
}
