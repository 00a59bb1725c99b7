import { exchangeRateSchema, quotaSchema } from '../../../shared/domain/crm.schemas';
import type { reportsChannels } from '../../../shared/reports/reports.channels';
import { exchangeRateDef, quotaDef } from '../crm/crm.entities';
import { entityHandlers, type SkipReporter } from '../crm/crm.handlers';
import type { CrmService } from '../crm/crm.service';
import type { Handler } from '../ipc/router';
import type { ModuleContext, ServiceModule } from '../module';
import { reportInputsOf } from './reports.inputs';
import { ReportsService } from './reports.service';
import { latestPerKey, quotaKey, rateKey } from '../../../shared/reports/entries.latest';

export type ReportsChannelName = keyof typeof reportsChannels;

/**
 * The manager's figures, and the exchange rates and quotas they use (records of the workspace, synced
 * like any other). Figures are computed in main from the open vault, per call: nothing about them is
 * kept once the answer is sent, so a lock leaves nothing behind in this module.
 */
export function createReportsModule(
  ctx: ModuleContext,
  crm: () => CrmService,
): ServiceModule<ReportsChannelName> {
  const report: SkipReporter = (entity, count) =>
    ctx.logger.log('warn', 'reports.recordsSkipped', { entity, count });
  const rates = entityHandlers(exchangeRateDef, exchangeRateSchema, crm, report);
  const quotas = entityHandlers(quotaDef, quotaSchema, crm, report);
  /**
   * One entry per key: entering a member's quota for a month that has one (or a rate for a pair and
   * day that has one) changes the entry that counts instead of adding a second one beside it.
   */
  const quotaCreate: Handler<'quotas.create'> = (input) => {
    const same = quotas.list({ filter: { memberId: input.memberId, month: input.month }, limit: 200 });
    const current = latestPerKey(same.items, quotaKey).get(quotaKey(input));
    if (!current) return quotas.create(input);
    return quotas.update({
      id: current.id,
      patch: { amountMinor: input.amountMinor, currency: input.currency },
    });
  };
  const rateCreate: Handler<'exchangeRates.create'> = (input) => {
    const { base, currency, effectiveFrom } = input;
    const same = rates.list({ filter: { base, currency, effectiveFrom }, limit: 200 });
    const current = latestPerKey(same.items, rateKey).get(rateKey(input));
    if (!current) return rates.create(input);
    return rates.update({ id: current.id, patch: { perUnit: input.perUnit } });
  };
  const service = () => {
    const current = crm();
    return new ReportsService(current, reportInputsOf(current));
  };
  const handlers: { readonly [C in ReportsChannelName]: Handler<C> } = {
    'exchangeRates.create': rateCreate,
    'exchangeRates.update': rates.update,
    'exchangeRates.get': rates.get,
    'exchangeRates.list': rates.list,
    'exchangeRates.delete': rates.delete,
    'quotas.create': quotaCreate,
    'quotas.update': quotas.update,
    'quotas.get': quotas.get,
    'quotas.list': quotas.list,
    'quotas.delete': quotas.delete,
    'reports.dashboard': (query) => service().dashboard(query),
    'reports.currencies': () => service().currencies(),
    'reports.digest': (query) => service().digest(query),
    'reports.drill': (input) => service().drill(input.query, input.key, input.offset, input.limit),
  };
  return { handlers, dispose() {} };
}
