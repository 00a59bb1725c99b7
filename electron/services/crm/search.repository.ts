import type Database from 'better-sqlite3-multiple-ciphers';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { Db } from '../db/database';
import type { SearchDoc } from './crm.entities';
import { HL_CLOSE, HL_OPEN, indexText } from './search.text';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

export interface FtsHit {
  readonly rowid: number;
  readonly entity: EntityKind;
  readonly recordId: string;
  /** Title with HL markers. */
  readonly title: string;
  /** Snippet of the body with HL markers ('' when the body did not match). */
  readonly snippet: string;
  readonly score: number;
}

export interface TriHit {
  readonly rowid: number;
  readonly entity: EntityKind;
  readonly recordId: string;
  readonly title: string;
  readonly digits: string;
  readonly emails: string;
}

/**
 * The search index: `crm_search` (unicode61, prefix indexes, CJK split into single characters) and
 * `crm_search_tri` (trigram over phone digits and e-mail addresses), both keyed by the rowid in
 * `crm_search_map`. Written in the caller's transaction, so the index never lags the tables.
 */
export class SearchRepository {
  private readonly mapGet: Statement<[string], { rowid: number }>;
  private readonly mapIns: Statement<[string, string]>;
  private readonly mapDel: Statement<[number]>;
  private readonly ftsDel: Statement<[number]>;
  private readonly ftsIns: Statement<[number, string, string]>;
  private readonly triDel: Statement<[number]>;
  private readonly triIns: Statement<[number, string, string]>;
  private readonly candidate: Statement<[string, number], { rowid: number }>;
  private readonly ranked: Statement<[string, number, number], FtsHit>;
  private readonly tri: Statement<[string, number], TriHit>;

  constructor(private readonly db: Db) {
    this.mapGet = db.prepare('SELECT rowid FROM crm_search_map WHERE record_id = ?');
    this.mapIns = db.prepare('INSERT INTO crm_search_map (entity, record_id) VALUES (?, ?)');
    this.mapDel = db.prepare('DELETE FROM crm_search_map WHERE rowid = ?');
    this.ftsDel = db.prepare('DELETE FROM crm_search WHERE rowid = ?');
    this.ftsIns = db.prepare('INSERT INTO crm_search (rowid, title, body) VALUES (?, ?, ?)');
    this.triDel = db.prepare('DELETE FROM crm_search_tri WHERE rowid = ?');
    this.triIns = db.prepare('INSERT INTO crm_search_tri (rowid, digits, emails) VALUES (?, ?, ?)');
    // The n-th newest match bounds the candidates, so ranking cost does not grow with common words.
    this.candidate = db.prepare(
      'SELECT rowid FROM crm_search WHERE crm_search MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?',
    );
    this.ranked = db.prepare(
      `SELECT s.rowid AS rowid, m.entity AS entity, m.record_id AS recordId,
         highlight(crm_search, 0, '${HL_OPEN}', '${HL_CLOSE}') AS title,
         snippet(crm_search, 1, '${HL_OPEN}', '${HL_CLOSE}', '…', 12) AS snippet,
         bm25(crm_search, 10.0, 1.0) AS score
       FROM crm_search s JOIN crm_search_map m ON m.rowid = s.rowid
       WHERE crm_search MATCH ? AND s.rowid >= ? ORDER BY score LIMIT ?`,
    );
    this.tri = db.prepare(
      `SELECT t.rowid AS rowid, m.entity AS entity, m.record_id AS recordId, s.title AS title,
         t.digits AS digits, t.emails AS emails
       FROM crm_search_tri t JOIN crm_search_map m ON m.rowid = t.rowid
       JOIN crm_search s ON s.rowid = t.rowid
       WHERE crm_search_tri MATCH ? ORDER BY t.rowid DESC LIMIT ?`,
    );
  }

  /** Indexes (or re-indexes) one record. */
  put(entity: EntityKind, recordId: string, doc: SearchDoc, isNew = false): void {
    let rowid = isNew ? undefined : this.mapGet.get(recordId)?.rowid;
    if (rowid === undefined) {
      rowid = Number(this.mapIns.run(entity, recordId).lastInsertRowid);
    } else {
      this.ftsDel.run(rowid);
      this.triDel.run(rowid);
    }
    this.ftsIns.run(rowid, indexText(doc.title), indexText(doc.body));
    if (doc.digits || doc.emails) this.triIns.run(rowid, doc.digits, doc.emails.toLowerCase());
  }

  /** Removes one record from the index. */
  remove(recordId: string): void {
    const rowid = this.mapGet.get(recordId)?.rowid;
    if (rowid === undefined) return;
    this.ftsDel.run(rowid);
    this.triDel.run(rowid);
    this.mapDel.run(rowid);
  }

  /** Ranked matches among the newest `candidates` matching rows. */
  query(match: string, candidates: number, limit: number): FtsHit[] {
    const bound = this.candidate.get(match, candidates - 1)?.rowid ?? 0;
    return this.ranked.all(match, bound, limit);
  }

  /** Newest rows whose phone digits or e-mails contain `fragment` (trigram; column-qualified match). */
  queryTrigram(match: string, limit: number): TriHit[] {
    return this.tri.all(match, limit);
  }
}
