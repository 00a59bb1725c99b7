import type { Db } from '../db/database';

/**
 * Custom fields (crm migration 9): the definitions table, and one JSON `custom` column on accounts,
 * contacts and deals holding each record's values by definition id (folded from `cf:<id>` ops).
 */
export function customFieldsV9(db: Db): void {
  db.exec(`
CREATE TABLE crm_custom_fields (
  id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '[]',
  currency TEXT,
  position REAL NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  deleted_at INTEGER
) STRICT;
CREATE INDEX crm_custom_fields_position ON crm_custom_fields (position, id);
CREATE INDEX crm_custom_fields_updated ON crm_custom_fields (updated_at, id);
CREATE INDEX crm_custom_fields_deleted ON crm_custom_fields (deleted_at);
ALTER TABLE crm_accounts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE crm_contacts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE crm_deals ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
`);
}
