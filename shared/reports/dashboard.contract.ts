import { z } from 'zod';

const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
const money = z.number().int();

/** The activity kinds the report counts (the CRM's activity kinds). */
export const reportActivityKindSchema = z.enum(['call', 'meeting', 'visit', 'email', 'note']);
export type ActivityKind = z.infer<typeof reportActivityKindSchema>;

/** What the dashboard is computed for. Days are local calendar days, inclusive. */
export const dashboardQuerySchema = z.strictObject({
  pipelineId: z.string().min(1).max(100),
  from: day,
  to: day,
  /** Today, in the user's calendar (slipping and stale deals are measured from it). */
  today: day,
  /** The user's UTC offset, so months and weeks are the user's. */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60),
  /** Members to include (owners of deals, authors of activities); null: everybody. */
  memberIds: z.array(z.string().min(1).max(100)).max(500).nullable(),
  /** An open deal with no activity for this many days is stale. */
  staleDays: z.number().int().min(1).max(365),
  /** The currency totals are shown in; absent: the workspace's (that of its newest exchange rate). */
  reportingCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
});
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

/** One figure a chart bar or number stands for; drill-down lists the deals behind it. */
export const drillKeySchema = z.strictObject({
  figure: z.enum(['pipeline', 'forecastOpen', 'forecastWon', 'slipping', 'stale', 'won', 'lost', 'funnel']),
  stageId: z.string().max(40).optional(),
  month: month.optional(),
});
export type DrillKey = z.infer<typeof drillKeySchema>;

/** Every dashboard figure; money in the reporting currency's minor units. */
export const dashboardFiguresSchema = z.strictObject({
  reportingCurrency: z.string().regex(/^[A-Z]{3}$/),
  pipeline: z.array(
    z.strictObject({
      stageId: z.string(),
      count: z.number().int(),
      amountMinor: money,
      weightedMinor: money,
    }),
  ),
  forecast: z.array(
    z.strictObject({
      month,
      wonMinor: money,
      openMinor: money,
      weightedMinor: money,
      quotaMinor: money,
    }),
  ),
  winRate: z.strictObject({ won: z.number().int(), lost: z.number().int(), rate: z.number().nullable() }),
  averageCycleDays: z.number().nullable(),
  funnel: z.array(
    z.strictObject({ stageId: z.string(), reached: z.number().int(), conversion: z.number().nullable() }),
  ),
  slipping: z.strictObject({ count: z.number().int(), amountMinor: money }),
  stale: z.strictObject({ count: z.number().int(), amountMinor: money }),
  activities: z.array(
    z.strictObject({
      memberId: z.string().nullable(),
      week: day,
      kind: reportActivityKindSchema,
      count: z.number().int(),
    }),
  ),
  /** Deals left out of money figures because no exchange rate converts their currency. */
  unconverted: z.strictObject({ count: z.number().int(), currencies: z.array(z.string()) }),
  /** Quotas of the period left out of the forecast because no rate converts them on their month's 1st. */
  unconvertedQuotas: z.strictObject({ count: z.number().int(), currencies: z.array(z.string()) }),
});
export type DashboardFigures = z.infer<typeof dashboardFiguresSchema>;
