import type { reportsChannels } from '../../../shared/reports/reports.channels';
import type { CrmService } from '../crm/crm.service';
import type { ServiceModule } from '../module';
import { ReportsService, type ReportInputs } from './reports.service';

export type ReportsChannelName = keyof typeof reportsChannels;

/**
 * The manager's figures. They are computed in main from the open vault, per call: nothing about the
 * figures is kept once the answer is sent, so a lock leaves nothing behind in this module.
 */
export function createReportsModule(
  crm: () => CrmService,
  /** The reporting currency, dated rates and quotas of the workspace, over the open vault. */
  inputs: (crm: CrmService) => ReportInputs,
): ServiceModule<ReportsChannelName> {
  const service = () => {
    const current = crm();
    return new ReportsService(current, inputs(current));
  };
  return {
    handlers: {
      'reports.dashboard': (query) => Promise.resolve(service().dashboard(query)),
      'reports.drill': (input) =>
        Promise.resolve(service().drill(input.query, input.key, input.offset, input.limit)),
    },
    dispose() {},
  };
}
