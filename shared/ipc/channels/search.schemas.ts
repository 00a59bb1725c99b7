import { z } from 'zod';
import { entityKindSchema, idSchema } from '../../domain/crm.schemas';

/** One piece of highlighted text; `match` marks what the query matched. Never HTML. */
export const segmentSchema = z.object({ text: z.string(), match: z.boolean() });

/** The longest search text `search.query` takes (UTF-16 code units); the search uses 12 words. */
export const SEARCH_QUERY_MAX = 200;

/** Typed text cut to what `search.query` takes, never halving a character. */
export function clipSearchQuery(q: string): string {
  return q.length <= SEARCH_QUERY_MAX ? q : q.slice(0, SEARCH_QUERY_MAX).replace(/[\uD800-\uDBFF]$/, '');
}

/** One ranked hit of `search.query`. */
export const searchHitSchema = z.object({
  entity: entityKindSchema,
  id: idSchema,
  title: z.array(segmentSchema),
  snippet: z.array(segmentSchema),
  /** Higher is better; comparable within one result list only. */
  score: z.number(),
});
