import { exchangeRateSchema, quotaSchema } from '../../../shared/domain/crm.schemas';
import type { reportsChannels } from '../../../shared/reports/reports.channels';
import { exchangeRateDef, quotaDef } from '../crm/crm.entities';
import { entityHandlers, type SkipReporter } from '../crm/crm.handlers';
import type { CrmService } from '../crm/crm.service';
import type { Handler } from '../ipc/router';
import type { ModuleContext, ServiceModule } from '../module';
import { reportInputsOf } from './reports.inputs';
import { ReportsService } from './reports.service';

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
  const service = () => {
    const current = crm();
    return new ReportsService(current, reportInputsOf(current));
  };
  const handlers: { readonly [C in ReportsChannelName]: Handler<C> } = {
    'exchangeRates.create': rates.create,
    'exchangeRates.update': rates.update,
    'exchangeRates.get': rates.get,
    'exchangeRates.list': rates.list,
    'exchangeRates.delete': rates.delete,
    'quotas.create': quotas.create,
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
