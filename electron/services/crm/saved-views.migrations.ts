import type { Db } from '../db/database';

/**
 * Saved views (crm migration 12). Shared views are records of the `savedView` entity (op log, sync);
 * private views sit in `crm_private_views`, a device-local table that no op, outbox or sync ever
 * reads, so nothing of them leaves the device's encrypted vault.
 */
export function savedViewsV12(db: Db): void {
  db.exec(`
CREATE TABLE crm_saved_views (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  list TEXT NOT NULL,
  query TEXT NOT NULL,
  group_by TEXT,
  columns TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  deleted_at INTEGER
) STRICT;
CREATE INDEX crm_saved_views_name ON crm_saved_views (name, id);
CREATE INDEX crm_saved_views_updated ON crm_saved_views (updated_at, id);
CREATE INDEX crm_saved_views_deleted ON crm_saved_views (deleted_at);
CREATE TABLE crm_private_views (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`);
}
