import type Database from 'better-sqlite3-multiple-ciphers';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { Db } from '../db/database';
import type { SearchDoc } from './crm.entities';
import { HL_CLOSE, HL_OPEN, highlightTerms, indexText, matchTerms } from './search.text';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

export interface FtsHit {
  readonly rowid: number;
  readonly entity: EntityKind;
  readonly recordId: string;
  /** Title with HL markers (plain for text hits). */
  readonly title: string;
  /** Snippet of the text with HL markers ('' for name hits). */
  readonly snippet: string;
  /** Smaller is better: bm25 (negative) for text hits, the rank / 1000 for name hits. */
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

/** The three FTS5 indexes over crm_search_docs. */
const FTS_TABLES = ['crm_search_names', 'crm_search_text', 'crm_search_tri'] as const;

/** Newest documents read into the cache by `warm`: the name ranking's candidate window and more. */
const WARM_ROWS = 4000;

/** Documents per statement of a bulk insert (700 parameters). */
const DOCS_PER_INSERT = 100;

/** A record's search text as stored: title and body prepared by `indexText`, e-mails lower-cased. */
interface StoredDoc {
  readonly title: string;
  readonly body: string;
  readonly digits: string;
  readonly emails: string;
}

function stored(doc: SearchDoc): StoredDoc {
  return {
    title: indexText(doc.title),
    body: indexText(doc.body),
    digits: doc.digits,
    emails: doc.emails.toLowerCase(),
  };
}

/** The part of a document each index holds. */
const PARTS = [
  { key: 'names', same: (a: StoredDoc, b: StoredDoc) => a.title === b.title },
  { key: 'text', same: (a: StoredDoc, b: StoredDoc) => a.body === b.body },
  { key: 'tri', same: (a: StoredDoc, b: StoredDoc) => a.digits === b.digits && a.emails === b.emails },
] as const;

type PartKey = (typeof PARTS)[number]['key'];

/**
 * The search index (crm migration 6). `crm_search_docs` holds one row per indexed record: its rowid is
 * the key of three external-content FTS5 indexes over that row: `crm_search_names` (names and
 * titles) and `crm_search_text` (notes, bodies, other text), both unicode61 with prefix indexes and
 * CJK split into single characters by the indexer, and `crm_search_tri` (trigram over phone digits
 * and e-mail addresses). Written in the caller's transaction, so the index never lags the tables.
 * Every document is in all three indexes. External content means FTS5 removes an entry only given
 * the values it was indexed with: they are read from the document row before it changes. All three
 * indexes use FTS5 secure-delete, so replaced or erased text leaves no terms behind.
 */
export class SearchRepository {
  private readonly docGet: Statement<[string], StoredDoc & { rowid: number }>;
  private readonly docBody: Statement<[number], { body: string }>;
  private readonly docInsAt: Statement<(string | number | null)[]>;
  private readonly docInsMany: Statement<(string | number)[]>;
  private readonly docUpd: Statement<[string, string, string, string, number]>;
  private readonly docDel: Statement<[number]>;
  private readonly add: Record<PartKey, Statement<[number, StoredDoc]>>;
  private readonly drop: Record<PartKey, Statement<[number, StoredDoc]>>;
  private readonly addRange: Statement<[number, number]>[];
  private readonly maxRowid: Statement<[], { m: number | null }>;
  private readonly contactDocs: Statement<[], { digits: string; emails: string }>;
  private readonly names: Statement<[string, number, number], FtsHit>;
  private readonly text: Statement<[string, number, number], FtsHit>;
  private readonly tri: Statement<[string, number], TriHit>;
  private readonly hashSize: Statement<[bigint]>[];
  private bulkDepth = 0;

  constructor(private readonly db: Db) {
    this.docGet = db.prepare(
      'SELECT rowid, title, body, digits, emails FROM crm_search_docs WHERE record_id = ?',
    );
    this.docBody = db.prepare('SELECT body FROM crm_search_docs WHERE rowid = ?');
    const docRow = '(?, ?, ?, ?, ?, ?, ?)';
    const insAt =
      'INSERT INTO crm_search_docs (rowid, entity, record_id, title, body, digits, emails) VALUES';
    this.docInsAt = db.prepare<(string | number | null)[]>(`${insAt} ${docRow}`);
    this.docInsMany = db.prepare(
      `${insAt} ${Array.from({ length: DOCS_PER_INSERT }, () => docRow).join(', ')}`,
    );
    this.docUpd = db.prepare(
      'UPDATE crm_search_docs SET title = ?, body = ?, digits = ?, emails = ? WHERE rowid = ?',
    );
    this.docDel = db.prepare('DELETE FROM crm_search_docs WHERE rowid = ?');
    // Named parameters: a StoredDoc binds by its keys (rowid as the first, anonymous one).
    this.add = {
      names: db.prepare('INSERT INTO crm_search_names (rowid, title) VALUES (?, @title)'),
      text: db.prepare('INSERT INTO crm_search_text (rowid, body) VALUES (?, @body)'),
      tri: db.prepare('INSERT INTO crm_search_tri (rowid, digits, emails) VALUES (?, @digits, @emails)'),
    };
    this.drop = {
      names: db.prepare(
        "INSERT INTO crm_search_names (crm_search_names, rowid, title) VALUES ('delete', ?, @title)",
      ),
      text: db.prepare(
        "INSERT INTO crm_search_text (crm_search_text, rowid, body) VALUES ('delete', ?, @body)",
      ),
      tri: db.prepare(
        "INSERT INTO crm_search_tri (crm_search_tri, rowid, digits, emails) VALUES ('delete', ?, @digits, @emails)",
      ),
    };
    const range = 'FROM crm_search_docs WHERE rowid BETWEEN ? AND ?';
    this.addRange = [
      `INSERT INTO crm_search_names (rowid, title) SELECT rowid, title ${range}`,
      `INSERT INTO crm_search_text (rowid, body) SELECT rowid, body ${range}`,
      `INSERT INTO crm_search_tri (rowid, digits, emails) SELECT rowid, digits, emails ${range}`,
    ].map((sql) => db.prepare<[number, number]>(sql));
    this.hashSize = ['crm_search_names', 'crm_search_text', 'crm_search_tri'].map((t) =>
      db.prepare<[bigint]>(`INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', ?)`),
    );
    this.maxRowid = db.prepare('SELECT max(rowid) AS m FROM crm_search_docs');
    this.contactDocs = db.prepare(
      "SELECT digits, emails FROM crm_search_docs WHERE entity = 'contact' AND (digits <> '' OR emails <> '')",
    );
    // Bounded ranking: the newest `candidates` matches (FTS5 walks the doclist backwards for ORDER BY
    // rowid DESC), then the best `limit` of those are kept. Names rank by their token count, fewest
    // first, then newest: every candidate holds every term (implicit AND) and names rarely repeat a
    // word, so that is bm25's order too, without its per-candidate reads of sizes and positions and
    // without highlight() for candidates that are dropped (measured at 1M contacts, "Linda Bak": 2 ms
    // for the candidates, 5.9 with bm25, 13 with highlight). The counts come from FTS5's own
    // `_docsize` table (one small row per document, cached, unlike the documents): `sz` is a varint
    // per column, and SQLite varints compare as blobs in numeric order. The `limit` hits left are
    // highlighted in JS (`highlightTerms`). Text hits keep bm25 and snippet(): notes vary in length
    // and repeat words.
    this.names = db.prepare(
      `SELECT d.rowid AS rowid, d.entity AS entity, d.record_id AS recordId, d.title AS title,
         '' AS snippet, 0 AS score
       FROM (SELECT n.rowid AS rowid, z.sz AS size
             FROM (SELECT rowid FROM crm_search_names WHERE crm_search_names MATCH ?
                   ORDER BY rowid DESC LIMIT ?) n
             JOIN crm_search_names_docsize z ON z.id = n.rowid
             ORDER BY z.sz, n.rowid DESC LIMIT ?) m
       JOIN crm_search_docs d ON d.rowid = m.rowid
       ORDER BY m.size, m.rowid DESC`,
    );
    // One statement per query: a separate highlight query per hit expanded every prefix term again.
    this.text = db.prepare(
      `SELECT d.rowid AS rowid, d.entity AS entity, d.record_id AS recordId, d.title AS title,
         m.snippet AS snippet, m.score AS score
       FROM (SELECT rowid, bm25(crm_search_text) AS score,
               snippet(crm_search_text, 0, '${HL_OPEN}', '${HL_CLOSE}', '…', 12) AS snippet
             FROM crm_search_text WHERE crm_search_text MATCH ? ORDER BY rowid DESC LIMIT ?) m
       JOIN crm_search_docs d ON d.rowid = m.rowid
       ORDER BY m.score LIMIT ?`,
    );
    this.tri = db.prepare(
      `SELECT t.rowid AS rowid, d.entity AS entity, d.record_id AS recordId, d.title AS title,
         d.digits AS digits, d.emails AS emails
       FROM crm_search_tri t JOIN crm_search_docs d ON d.rowid = t.rowid
       WHERE crm_search_tri MATCH ? ORDER BY t.rowid DESC LIMIT ?`,
    );
  }

  /** Indexes (or re-indexes) one record. `isNew` skips the lookup of an existing entry. */
  put(entity: EntityKind, recordId: string, doc: SearchDoc, isNew = false): void {
    const next = stored(doc);
    const old = isNew ? undefined : this.docGet.get(recordId);
    if (old === undefined) {
      // A null rowid: SQLite picks the next one.
      const rowid = Number(
        this.docInsAt.run(null, entity, recordId, next.title, next.body, next.digits, next.emails)
          .lastInsertRowid,
      );
      for (const p of PARTS) this.add[p.key].run(rowid, next);
      return;
    }
    if (PARTS.every((p) => p.same(old, next))) return;
    this.reindex(old.rowid, old, next);
    this.docUpd.run(next.title, next.body, next.digits, next.emails, old.rowid);
  }

  /** Moves each index from `old` to `next` for the parts that differ. */
  private reindex(rowid: number, old: StoredDoc, next: StoredDoc): void {
    for (const p of PARTS) {
      if (p.same(old, next)) continue;
      this.drop[p.key].run(rowid, old);
      this.add[p.key].run(rowid, next);
    }
  }

  /**
   * Indexes many new records (bulk import), as `put(…, true)` for each, in the order given: the
   * document rows under consecutive rowids after the largest, many per statement, then each index
   * over that rowid range in one statement.
   */
  putMany(entries: readonly { entity: EntityKind; recordId: string; doc: SearchDoc }[]): void {
    if (entries.length === 0) return;
    const first = (this.maxRowid.get()?.m ?? 0) + 1;
    let at = 0;
    const args: (string | number)[] = [];
    const push = (k: number) => {
      const e = entries[k]!;
      const d = stored(e.doc);
      args.push(first + k, e.entity, e.recordId, d.title, d.body, d.digits, d.emails);
    };
    for (; at + DOCS_PER_INSERT <= entries.length; at += DOCS_PER_INSERT) {
      args.length = 0;
      for (let k = at; k < at + DOCS_PER_INSERT; k++) push(k);
      this.docInsMany.run(...args);
    }
    for (; at < entries.length; at++) {
      args.length = 0;
      push(at);
      this.docInsAt.run(...args);
    }
    for (const s of this.addRange) s.run(first, first + entries.length - 1);
  }

  /**
   * Runs a bulk write with a larger FTS5 pending-terms hash (64 MiB instead of 1 MiB), so the index is
   * flushed in a few large segments instead of many small ones that are merged again and again
   * (measured: about 20% less index time at 100k contacts). Call inside the write's transaction;
   * the default is restored afterwards.
   */
  bulkLoad<T>(fn: () => T): T {
    // Nested bulk writes (an import's batches) keep the outer one's setting until it ends. FTS5
    // wants an integer; JS numbers bind as REAL.
    if (this.bulkDepth++ === 0) for (const s of this.hashSize) s.run(BigInt(64 * 1024 * 1024));
    try {
      return fn();
    } finally {
      if (--this.bulkDepth === 0) for (const s of this.hashSize) s.run(BigInt(1024 * 1024));
    }
  }

  /**
   * Reads into the page cache what every first query of a fresh connection needs, whatever its
   * terms: each FTS5 index's structure and averages records and its segment index (`_idx`, one small
   * row per leaf page, descended by every term lookup), and the newest `WARM_ROWS` documents with
   * their FTS5 sizes, which bounded ranking reads (candidates are the newest matches, see
   * queryNames). A few MiB at 1M contacts, well inside the 64 MiB cache; the term doclists
   * themselves depend on the query and stay cold until asked for.
   */
  warm(): void {
    for (const t of FTS_TABLES) {
      this.db.prepare(`SELECT count(*) AS n FROM ${t}_idx`).get();
      this.db.prepare(`SELECT sum(length(block)) AS n FROM ${t}_data WHERE id IN (1, 10)`).get();
      this.db
        .prepare(`SELECT sum(length(sz)) AS n FROM (SELECT sz FROM ${t}_docsize ORDER BY id DESC LIMIT ?)`)
        .get(WARM_ROWS);
    }
    this.db
      .prepare(
        `SELECT sum(length(record_id) + length(title) + length(body) + length(digits) + length(emails)) AS n
         FROM (SELECT * FROM crm_search_docs ORDER BY rowid DESC LIMIT ?)`,
      )
      .get(WARM_ROWS);
  }

  /** Removes one record from the index. */
  remove(recordId: string): void {
    const old = this.docGet.get(recordId);
    if (old === undefined) return;
    for (const p of PARTS) this.drop[p.key].run(old.rowid, old);
    this.docDel.run(old.rowid);
  }

  /**
   * The de-duplication keys of every live contact, as `email:<address>` and `phone:<digits>`: a
   * contact has a search document exactly while it is live, and that holds its e-mail addresses
   * (lower-case) and phone numbers' digits, each list separated by spaces.
   */
  contactKeys(): Set<string> {
    const keys = new Set<string>();
    for (const row of this.contactDocs.iterate()) {
      for (const e of row.emails.split(' ')) if (e) keys.add(`email:${e}`);
      for (const p of row.digits.split(' ')) if (p) keys.add(`phone:${p}`);
    }
    return keys;
  }

  /**
   * Name and title matches: the best `limit` (fewest tokens, see the statement) among the newest
   * `candidates` matches, so a two-letter prefix ranks a bounded set of rows instead of every name it
   * matches, while a query with fewer matches than that is ranked in full. `match` is what
   * `buildMatchQuery` made; titles come back highlighted for its terms.
   */
  queryNames(match: string, candidates: number, limit: number): FtsHit[] {
    const terms = matchTerms(match);
    // The rank as the score: the statement returns the hits best first.
    return this.names
      .all(match, candidates, limit)
      .map((h, i) => ({ ...h, title: highlightTerms(h.title, terms), score: i / 1000 }));
  }

  /** Text (notes, bodies) matches with snippets, ranked the same way as `queryNames`. */
  queryText(match: string, candidates: number, limit: number): FtsHit[] {
    return this.text.all(match, candidates, limit);
  }

  /** A document's body as stored ('' when there is none): for a snippet built in JS. */
  storedBody(rowid: number): string {
    return this.docBody.get(rowid)?.body ?? '';
  }

  /** Newest rows whose phone digits or e-mails contain a fragment (trigram; column-qualified match). */
  queryTrigram(match: string, limit: number): TriHit[] {
    return this.tri.all(match, limit);
  }
}
