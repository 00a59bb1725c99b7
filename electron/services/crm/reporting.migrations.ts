import type { Db } from '../db/database';
import { ReportingDerivedRepository } from './reporting.derived.repository';

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

/**
 * Reporting (crm migration 13): what the dashboard reads instead of every deal's op log, kept by the
 * one writer in the transaction of each change (see ReportingDerivedRepository) and built here for
 * existing vaults: each deal's stage stints, its close time, the stages it entered (the stints'
 * stages, unit-separator joined, for the funnel) and newest linked activity, live
 * activities per author, kind and UTC day, and an index for counting activities inside a day.
 */
export function reportingV13(db: Db): void {
  db.exec(`
CREATE TABLE crm_deal_stage_history (
  deal_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  stage_id TEXT NOT NULL,
  entered_hlc TEXT NOT NULL,
  entered_at INTEGER NOT NULL,
  left_hlc TEXT,
  left_at INTEGER,
  PRIMARY KEY (deal_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE crm_deal_report (
  deal_id TEXT PRIMARY KEY,
  closed_at INTEGER,
  last_activity_at INTEGER,
  stages TEXT
) STRICT, WITHOUT ROWID;
CREATE TABLE crm_activity_days (
  day INTEGER NOT NULL,
  author TEXT NOT NULL,
  kind TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, author, kind)
) STRICT, WITHOUT ROWID;
CREATE INDEX crm_activities_report ON crm_activities (occurred_at, created_by, kind) WHERE deleted_at IS NULL;
`);
  new ReportingDerivedRepository(db).rebuild();
}
