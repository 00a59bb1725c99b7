import { z } from 'zod';

const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);

/** The week the digest covers (local calendar days) and whose deals. */
export const digestQuerySchema = z.strictObject({
  /** The week's Monday. */
  weekStart: day,
  today: day,
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60),
  /** Owners to include; null: everybody. */
  memberIds: z.array(z.string().min(1).max(100)).max(500).nullable(),
});
export type DigestQuery = z.infer<typeof digestQuerySchema>;

/** One change of the week. */
export const digestItemSchema = z.strictObject({
  kind: z.enum(['new', 'moved', 'won', 'lost', 'slipped']),
  dealId: z.string(),
  name: z.string(),
  ownerId: z.string().nullable(),
  pipelineId: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  at: z.number(),
  fromStageId: z.string().nullable(),
  toStageId: z.string().nullable(),
});
export type DigestItem = z.infer<typeof digestItemSchema>;

export const digestSchema = z.strictObject({
  weekStart: day,
  weekEnd: day,
  items: z.array(digestItemSchema),
});
export type Digest = z.infer<typeof digestSchema>;
