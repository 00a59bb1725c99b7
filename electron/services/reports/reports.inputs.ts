import type { CrmService } from '../crm/crm.service';
import type { ReportInputs } from './reports.service';

/**
 * The workspace's reporting inputs. Until exchange rates and quotas are synced records, the
 * reporting currency is EUR with no rates: deals in other currencies are reported as unconverted
 * (never added as if they were euros), and quotas are zero.
 */
export function reportInputsOf(_crm: CrmService): ReportInputs {
  return { reportingCurrency: () => 'EUR', rates: () => [], quotas: () => [] };
}
