import type { Db } from '../db/database';
import type { MigrationSet } from '../db/migrate';
import { DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES } from '../../../shared/domain/crm.seed';
import { customFieldsV9 } from './custom-fields.migrations';
import { oplogV14 } from './oplog.migrations';
import { peopleV11, reportingV10, reportingV13 } from './reporting.migrations';
import { savedViewsV12 } from './saved-views.migrations';
import { searchAliasesV15 } from './search.migrations';

const META = `created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  deleted_at INTEGER`;

function v1(db: Db): void {
  db.exec(`
CREATE TABLE crm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE crm_accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain TEXT, industry TEXT, phone TEXT, address TEXT, owner_id TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  ${META}
) STRICT;
CREATE INDEX crm_accounts_name ON crm_accounts (name, id);
CREATE INDEX crm_accounts_updated ON crm_accounts (updated_at, id);

CREATE TABLE crm_contacts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  given_name TEXT, family_name TEXT, title TEXT, account_id TEXT,
  emails TEXT NOT NULL DEFAULT '[]',
  phones TEXT NOT NULL DEFAULT '[]',
  address TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  owner_id TEXT,
  consent TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  ${META}
) STRICT;
CREATE INDEX crm_contacts_name ON crm_contacts (name, id);
CREATE INDEX crm_contacts_updated ON crm_contacts (updated_at, id);
CREATE INDEX crm_contacts_account ON crm_contacts (account_id) WHERE account_id IS NOT NULL;

-- Normalised e-mail addresses and phone digits of live contacts: de-duplication on import.
CREATE TABLE crm_contact_keys (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  PRIMARY KEY (kind, value, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX crm_contact_keys_contact ON crm_contact_keys (contact_id);

CREATE TABLE crm_pipelines (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  stages TEXT NOT NULL,
  ${META}
) STRICT;

CREATE TABLE crm_deals (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  account_id TEXT,
  contact_ids TEXT NOT NULL DEFAULT '[]',
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  pipeline_id TEXT NOT NULL,
  stage_id TEXT NOT NULL,
  position REAL NOT NULL,
  probability INTEGER,
  expected_close_date TEXT,
  owner_id TEXT,
  status TEXT NOT NULL,
  status_reason TEXT,
  ${META}
) STRICT;
CREATE INDEX crm_deals_stage ON crm_deals (pipeline_id, stage_id, position, id);
CREATE INDEX crm_deals_updated ON crm_deals (updated_at, id);
CREATE INDEX crm_deals_account ON crm_deals (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE crm_activities (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  duration_minutes INTEGER,
  subject TEXT, outcome TEXT,
  body TEXT NOT NULL DEFAULT '',
  account_id TEXT, contact_id TEXT, deal_id TEXT,
  ${META}
) STRICT;
CREATE INDEX crm_activities_time ON crm_activities (occurred_at, id);
CREATE INDEX crm_activities_account ON crm_activities (account_id, occurred_at) WHERE account_id IS NOT NULL;
CREATE INDEX crm_activities_contact ON crm_activities (contact_id, occurred_at) WHERE contact_id IS NOT NULL;
CREATE INDEX crm_activities_deal ON crm_activities (deal_id, occurred_at) WHERE deal_id IS NOT NULL;

CREATE TABLE crm_tasks (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  due_at INTEGER, remind_at INTEGER,
  priority TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  assignee_id TEXT,
  account_id TEXT, contact_id TEXT, deal_id TEXT,
  ${META}
) STRICT;
CREATE INDEX crm_tasks_due ON crm_tasks (coalesce(due_at, 99999999999999), id);
CREATE INDEX crm_tasks_account ON crm_tasks (account_id, created_at) WHERE account_id IS NOT NULL;
CREATE INDEX crm_tasks_contact ON crm_tasks (contact_id, created_at) WHERE contact_id IS NOT NULL;
CREATE INDEX crm_tasks_deal ON crm_tasks (deal_id, created_at) WHERE deal_id IS NOT NULL;

-- The op log: one row per field-level change, local or remote. The sync engine pushes the pending
-- rows in HLC order (crm_oplog_pending), marks them pushed, and appends remote ops as 'applied'.
-- Last-writer-wins per field reads the newest stamp per (record, field) from crm_oplog_field.
CREATE TABLE crm_oplog (
  seq INTEGER PRIMARY KEY,
  op_id TEXT NOT NULL UNIQUE,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT,
  hlc TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sync_state TEXT NOT NULL CHECK (sync_state IN ('pending', 'pushed', 'applied')),
  pushed_at INTEGER
) STRICT;
CREATE INDEX crm_oplog_pending ON crm_oplog (hlc) WHERE sync_state = 'pending';
CREATE INDEX crm_oplog_field ON crm_oplog (record_id, field, hlc);

-- Search: rowid per record, a unicode61 index (CJK characters made single tokens by the indexer) and a
-- trigram index over phone digits and e-mail addresses.
CREATE TABLE crm_search_map (
  rowid INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE crm_search USING fts5 (
  title, body,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
CREATE VIRTUAL TABLE crm_search_tri USING fts5 (digits, emails, tokenize = 'trigram');
`);
  const now = 0;
  db.prepare(
    `INSERT INTO crm_pipelines (id, name, stages, created_at, updated_at, created_by, updated_by)
     VALUES (?, ?, ?, ?, ?, 'seed', 'seed')`,
  ).run(DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_NAME, JSON.stringify(DEFAULT_STAGES), now, now);
}

/**
 * FTS5 'secure-delete': deleting or re-indexing a row removes its old terms from the index b-tree at
 * once, instead of leaving them in older segments until a merge. Without it an erased (or merely
 * renamed) person's old name would survive inside crm_search_data.
 */
function v2(db: Db): void {
  db.exec(`INSERT INTO crm_search (crm_search, rank) VALUES ('secure-delete', 1);
    INSERT INTO crm_search_tri (crm_search_tri, rank) VALUES ('secure-delete', 1);`);
}

/**
 * One op-log row per mutation and record instead of per field. Bulk import measured the per-field
 * rows (plus two indexes each) as the largest write cost. The fields of one mutation share their HLC
 * stamp, so a row holds them as a JSON object and each entry stays a field-level op for LWW merging
 * (`fieldOps` expands them). A row is identified by (record, stamp): that index is UNIQUE, which makes
 * applying remote ops idempotent. Local rows are appended in HLC order, so pending rows are read in seq
 * order from a low-water mark (crm_meta 'oplog.pushedThrough') instead of through another index.
 */
function v3(db: Db): void {
  db.exec(`
CREATE TABLE crm_oplog_v3 (
  seq INTEGER PRIMARY KEY,
  op_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL,
  hlc TEXT NOT NULL,
  device_id TEXT NOT NULL,
  fields TEXT,
  sync_state TEXT NOT NULL CHECK (sync_state IN ('pending', 'pushed', 'applied')),
  pushed_at INTEGER
) STRICT;
INSERT INTO crm_oplog_v3 (op_id, entity, record_id, hlc, device_id, fields, sync_state, pushed_at)
  SELECT min(op_id), entity, record_id, hlc, device_id,
         CASE WHEN count(value) = 0 THEN NULL ELSE json_group_object(field, json(value)) END,
         min(sync_state), max(pushed_at)
  FROM crm_oplog GROUP BY record_id, hlc ORDER BY min(seq);
DROP TABLE crm_oplog;
ALTER TABLE crm_oplog_v3 RENAME TO crm_oplog;
CREATE UNIQUE INDEX crm_oplog_record ON crm_oplog (record_id, hlc);
`);
}

/** Counting live records (every list's total) reads a small index instead of the whole table. */
function v4(db: Db): void {
  for (const t of [
    'crm_accounts',
    'crm_contacts',
    'crm_deals',
    'crm_activities',
    'crm_tasks',
    'crm_pipelines',
  ]) {
    db.exec(`CREATE INDEX ${t}_deleted ON ${t} (deleted_at)`);
  }
}

/**
 * Names and long text in separate indexes. A name search must see every record's name, while a common
 * word in 500k activity notes must not be ranked in full: with one table, restricting a query to the
 * title column still read the word's whole doclist. Now names are ranked in full (short doclists)
 * and notes in growing windows of the newest rows.
 */
function v5(db: Db): void {
  db.exec(`
CREATE VIRTUAL TABLE crm_search_names USING fts5 (title, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE VIRTUAL TABLE crm_search_text USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
INSERT INTO crm_search_names (crm_search_names, rank) VALUES ('secure-delete', 1);
INSERT INTO crm_search_text (crm_search_text, rank) VALUES ('secure-delete', 1);
INSERT INTO crm_search_names (rowid, title) SELECT rowid, title FROM crm_search WHERE title <> '';
INSERT INTO crm_search_text (rowid, body) SELECT rowid, body FROM crm_search WHERE body <> '';
DROP TABLE crm_search;
`);
}

/**
 * Search text in one plain table, and the FTS5 indexes as external-content tables over it. Before,
 * each of the three indexes kept its own copy of the text and a map table related rowids to records:
 * per indexed record four more b-tree rows, the largest cost of a bulk import after the records
 * themselves. `crm_search_docs` is that map and the one copy of the text; the indexes read it for
 * highlight() and snippet(). Every document is in every index (empty text simply has no terms), so
 * each index matches its content exactly and FTS5's integrity-check can verify it against the
 * documents. A bulk write indexes a batch with one INSERT ... SELECT per index.
 *
 * `crm_contact_keys` goes: the importer's de-duplication reads the same e-mail addresses and phone
 * digits from the contacts' search documents, which exist exactly for live contacts, as the keys did.
 */
function v6(db: Db): void {
  const fts = (name: string, columns: string, tokenize: string) =>
    `CREATE VIRTUAL TABLE ${name} USING fts5 (${columns}, content = 'crm_search_docs', content_rowid = 'rowid',
       tokenize = '${tokenize}'${tokenize === 'trigram' ? '' : ", prefix = '2 3'"});
     INSERT INTO ${name} (${name}, rank) VALUES ('secure-delete', 1);`;
  db.exec(`
CREATE TABLE crm_search_docs (
  rowid INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  digits TEXT NOT NULL,
  emails TEXT NOT NULL
) STRICT;
INSERT INTO crm_search_docs (rowid, entity, record_id, title, body, digits, emails)
  SELECT m.rowid, m.entity, m.record_id, coalesce(n.title, ''), coalesce(t.body, ''),
         coalesce(r.digits, ''), coalesce(r.emails, '')
  FROM crm_search_map m
  LEFT JOIN crm_search_names n ON n.rowid = m.rowid
  LEFT JOIN crm_search_text t ON t.rowid = m.rowid
  LEFT JOIN crm_search_tri r ON r.rowid = m.rowid;
DROP TABLE crm_search_names;
DROP TABLE crm_search_text;
DROP TABLE crm_search_tri;
DROP TABLE crm_search_map;
DROP TABLE crm_contact_keys;
${fts('crm_search_names', 'title', 'unicode61 remove_diacritics 2')}
${fts('crm_search_text', 'body', 'unicode61 remove_diacritics 2')}
${fts('crm_search_tri', 'digits, emails', 'trigram')}
INSERT INTO crm_search_names (rowid, title) SELECT rowid, title FROM crm_search_docs;
INSERT INTO crm_search_text (rowid, body) SELECT rowid, body FROM crm_search_docs;
INSERT INTO crm_search_tri (rowid, digits, emails) SELECT rowid, digits, emails FROM crm_search_docs;
`);
}

/**
 * Activities name their attendees (contacts); reminders look up open tasks by the moment they are
 * due (`remind_at`, else `due_at`) without scanning every task.
 */
function v7(db: Db): void {
  db.exec(`
ALTER TABLE crm_activities ADD COLUMN attendee_ids TEXT NOT NULL DEFAULT '[]';
CREATE INDEX crm_tasks_reminder ON crm_tasks (coalesce(remind_at, due_at), id)
  WHERE done = 0 AND deleted_at IS NULL AND coalesce(remind_at, due_at) IS NOT NULL;
`);
}

/** Deals: contact roles and when they entered their stage; pipelines: their lost reasons. */
function v8(db: Db): void {
  db.exec(`
ALTER TABLE crm_deals ADD COLUMN contact_roles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE crm_deals ADD COLUMN stage_changed_at INTEGER;
ALTER TABLE crm_pipelines ADD COLUMN lost_reasons TEXT NOT NULL DEFAULT '[]';
`);
}

/**
 * Names sort without regard to case (crm migration 16): the name indexes become
 * `(name COLLATE NOCASE, id)`, which the lists' keyset pages walk, and which also serves the
 * importer's case-insensitive account lookup the old index could not. Deals keep having none.
 */
function v16(db: Db): void {
  db.exec(`
DROP INDEX crm_accounts_name;
CREATE INDEX crm_accounts_name ON crm_accounts (name COLLATE NOCASE, id);
DROP INDEX crm_contacts_name;
CREATE INDEX crm_contacts_name ON crm_contacts (name COLLATE NOCASE, id);
DROP INDEX crm_saved_views_name;
CREATE INDEX crm_saved_views_name ON crm_saved_views (name COLLATE NOCASE, id);
`);
}

/** Schema of the crm domain. Append-only: add a new numbered migration, never edit a shipped one. */
export const crmMigrations: MigrationSet = {
  domain: 'crm',
  migrations: [
    { version: 1, name: 'crm core: records, op log, search', up: v1 },
    { version: 2, name: 'search: secure-delete', up: v2 },
    { version: 3, name: 'op log: one row per mutation and record', up: v3 },
    { version: 4, name: 'indexes for counting live records', up: v4 },
    { version: 5, name: 'search: separate name and text indexes', up: v5 },
    { version: 6, name: 'search: one document table, external-content indexes', up: v6 },
    { version: 7, name: 'activities: attendees; tasks: reminder index', up: v7 },
    { version: 8, name: 'deals: contact roles, stage entered; pipelines: lost reasons', up: v8 },
    { version: 9, name: 'custom fields: definitions and per-record values', up: customFieldsV9 },
    { version: 10, name: 'reporting: exchange rates and quotas', up: reportingV10 },
    { version: 11, name: 'people: member profiles (display names, teams)', up: peopleV11 },
    { version: 12, name: 'saved views: shared and device-private', up: savedViewsV12 },
    { version: 13, name: 'reporting: deal stage history, activity days', up: reportingV13 },
    { version: 14, name: 'op log: settled values stored once (in the record row)', up: oplogV14 },
    { version: 15, name: 'search: aliases for apostrophes and unfolded letters', up: searchAliasesV15 },
    { version: 16, name: 'names sort case-insensitively', up: v16 },
  ],
};
