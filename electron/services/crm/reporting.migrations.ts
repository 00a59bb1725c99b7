import type { Db } from '../db/database';

const META = `created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  deleted_at INTEGER`;

/** Reporting (crm migration 10): dated exchange rates and monthly quotas, synced like records. */
export function reportingV10(db: Db): void {
  db.exec(`
CREATE TABLE crm_exchange_rates (
  id TEXT PRIMARY KEY,
  base TEXT NOT NULL,
  currency TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  per_unit REAL NOT NULL,
  ${META}
) STRICT;
CREATE INDEX crm_exchange_rates_effective ON crm_exchange_rates (effective_from, id);
CREATE INDEX crm_exchange_rates_updated ON crm_exchange_rates (updated_at, id);
CREATE INDEX crm_exchange_rates_deleted ON crm_exchange_rates (deleted_at);
CREATE TABLE crm_quotas (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL,
  month TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  ${META}
) STRICT;
CREATE INDEX crm_quotas_month ON crm_quotas (month, id);
CREATE INDEX crm_quotas_updated ON crm_quotas (updated_at, id);
CREATE INDEX crm_quotas_deleted ON crm_quotas (deleted_at);
`);
}

/** People (crm migration 11): members' display names and teams, synced like records (issue 15). */
export function peopleV11(db: Db): void {
  db.exec(`
CREATE TABLE crm_member_profiles (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL,
  display_name TEXT,
  team TEXT,
  ${META}
) STRICT;
CREATE INDEX crm_member_profiles_member ON crm_member_profiles (member_id);
CREATE INDEX crm_member_profiles_updated ON crm_member_profiles (updated_at, id);
CREATE INDEX crm_member_profiles_deleted ON crm_member_profiles (deleted_at);
`);
}
