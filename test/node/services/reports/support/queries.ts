import { DEFAULT_PIPELINE_ID } from '../../../../../shared/domain/crm.seed';
import type { DashboardQuery } from '../../../../../shared/reports/dashboard.contract';

/** 1 Oct 2026, 09:00 UTC: the clock of the reports tests. */
export const T0 = Date.UTC(2026, 9, 1, 9);

/** The fourth quarter of 2026, seen on 25 October. */
export const Q4: DashboardQuery = {
  pipelineId: DEFAULT_PIPELINE_ID,
  from: '2026-10-01',
  to: '2026-12-31',
  today: '2026-10-25',
  utcOffsetMinutes: 0,
  memberIds: null,
  staleDays: 15,
};
