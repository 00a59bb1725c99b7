import { z } from 'zod';
import { dealSchema } from '../domain/crm.schemas';
import { channel } from '../ipc/define';
import { dashboardFiguresSchema, dashboardQuerySchema, drillKeySchema } from './dashboard.contract';

/** The most deals one drill-down page returns. */
export const DRILL_PAGE_MAX = 500;

/** Channels of the reports domain: figures computed in main from the vault, offline. */
export const reportsChannels = {
  'reports.dashboard': channel(
    dashboardQuerySchema,
    dashboardFiguresSchema,
    "The manager's dashboard for one pipeline and period, money in the reporting currency.",
  ),
  'reports.drill': channel(
    z.strictObject({
      query: dashboardQuerySchema,
      key: drillKeySchema,
      offset: z.number().int().min(0).max(1_000_000).default(0),
      limit: z.number().int().min(1).max(DRILL_PAGE_MAX).default(100),
    }),
    z.strictObject({ total: z.number().int(), deals: z.array(dealSchema) }),
    'The deals behind one dashboard figure, a page at a time.',
  ),
};
