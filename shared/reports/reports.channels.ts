import { z } from 'zod';
import {
  currencySchema,
  dateSchema,
  dealSchema,
  exchangeRateCreateSchema,
  exchangeRatePatchSchema,
  exchangeRateSchema,
  monthSchema,
  quotaCreateSchema,
  quotaPatchSchema,
  quotaSchema,
  userRefSchema,
} from '../domain/crm.schemas';
import { crud } from '../ipc/channels/crm.channels';
import { channel } from '../ipc/define';
import { dashboardFiguresSchema, dashboardQuerySchema, drillKeySchema } from './dashboard.contract';
import { digestQuerySchema, digestSchema } from './digest.contract';

/** The most deals one drill-down page returns. */
export const DRILL_PAGE_MAX = 500;

/** Channels of the reports domain: figures computed in main from the vault, offline. */
export const reportsChannels = {
  ...crud(
    'exchangeRates',
    'an exchange rate',
    exchangeRateSchema,
    exchangeRateCreateSchema,
    exchangeRatePatchSchema,
    z.strictObject({
      base: currencySchema.optional(),
      currency: currencySchema.optional(),
      effectiveFrom: dateSchema.optional(),
    }),
    ['effectiveFrom', 'createdAt', 'updatedAt'],
  ),
  ...crud(
    'quotas',
    'a quota',
    quotaSchema,
    quotaCreateSchema,
    quotaPatchSchema,
    z.strictObject({ memberId: userRefSchema.optional(), month: monthSchema.optional() }),
    ['month', 'createdAt', 'updatedAt'],
  ),
  'reports.dashboard': channel(
    dashboardQuerySchema,
    dashboardFiguresSchema,
    "The manager's dashboard for one pipeline and period, money in the reporting currency.",
  ),
  'reports.currencies': channel(
    z.undefined(),
    z.strictObject({
      /** What the dashboard reports in when asked for no currency. */
      reporting: currencySchema,
      /** The currencies live deals are in, most used first. */
      deals: z.array(currencySchema),
    }),
    'The default reporting currency and the currencies deals are in (for pickers and forms).',
  ),
  'reports.digest': channel(
    digestQuerySchema,
    digestSchema,
    "The week's pipeline changes from the op log: new, moved, won, lost and slipped deals.",
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
