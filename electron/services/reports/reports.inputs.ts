import type { CrmService } from '../crm/crm.service';
import { ReportsRepository } from './reports.repository';
import type { ReportInputs } from './reports.service';
import { latestPerKey, rateKey } from '../../../shared/reports/entries.latest';

/** The reporting currency when the workspace has neither exchange rates nor deals. */
export const FALLBACK_REPORTING_CURRENCY = 'EUR';

/**
 * The workspace's reporting inputs from the open vault: the exchange rates and quotas (synced records),
 * and as the default reporting currency the one the most recently edited rate converts into; with
 * no rate, the one most deals are in (a team selling in USD only needs no rate to see its numbers).
 */
export function reportInputsOf(crm: CrmService): ReportInputs {
  const repo = new ReportsRepository(crm.db);
  // One rate per pair and day counts (two entered offline for the same day: the latest).
  const rates = [...latestPerKey(repo.rates(), rateKey).values()];
  const newest = rates.reduce<(typeof rates)[number] | null>(
    (best, r) => (best === null || r.updatedAt > best.updatedAt ? r : best),
    null,
  );
  let deals: readonly string[] | null = null;
  const dealCurrencies = () => (deals ??= repo.dealCurrencies());
  return {
    defaultCurrency: () => newest?.base ?? dealCurrencies()[0] ?? FALLBACK_REPORTING_CURRENCY,
    dealCurrencies,
    rates: (base) => rates.filter((r) => r.base === base),
    quotas: () => repo.quotas(),
  };
}
