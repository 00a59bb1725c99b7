import { z } from 'zod';
import { idSchema, timestampSchema } from '../../domain/crm.schemas';
import { channel, type ChannelDef } from '../define';

/*
 * The shapes every record list and CRUD channel shares: list input, page, cursor, id and tombstone
 * answers, and `crud`, which makes the five channels of one entity. crm.channels.ts re-exports them.
 */

/** An opaque keyset-pagination cursor, as returned by a previous page. */
export const cursorSchema = z.string().min(1).max(2000);

/**
 * The deepest row a list can jump to with `offset`. Skipping rows costs time in proportion to the
 * offset (about 1 ms per 2,000 rows here), so it is bounded; continue from there with the cursor.
 */
export const MAX_LIST_OFFSET = 200_000;

/** `updatedAfter` is inclusive (>=), `updatedBefore` exclusive (<), both in epoch milliseconds. */
export const updatedFilter = {
  updatedAfter: timestampSchema.optional(),
  updatedBefore: timestampSchema.optional(),
};

/** The input of a `<name>.list` channel: filter, sort, page size, cursor or offset. */
function listInput<F extends z.ZodType>(filter: F, sortFields: readonly [string, ...string[]]) {
  return z
    .strictObject({
      filter: filter.optional(),
      sort: z.strictObject({ field: z.enum(sortFields), dir: z.enum(['asc', 'desc']) }).optional(),
      limit: z.number().int().min(1).max(200).optional(),
      cursor: cursorSchema.optional(),
      includeDeleted: z.boolean().optional(),
      /** false: skip counting the matches (`total` is then a lower bound, `totalExact` false). */
      count: z.boolean().optional(),
      /**
       * Rows to skip before the page, in sort order, for a virtualised list that jumps far down; not
       * together with `cursor` (VALIDATION). The page's `nextCursor` continues from there.
       */
      offset: z.number().int().min(0).max(MAX_LIST_OFFSET).optional(),
    })
    .optional();
}

/** How many rows an answer left out because they break the contract; the rest is still answered. */
export const skippedSchema = z.number().int().min(0);

/** One page of a `<name>.list` answer. */
function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    /** Pass back to get the next page; null on the last page. */
    nextCursor: z.string().nullable(),
    /**
     * Matches of the filter, all pages together. With `count: false` a lower bound instead: the rows
     * up to the end of this page, plus one when more follow.
     */
    total: z.number().int().nonnegative(),
    /** False when `total` is the lower bound of an uncounted list. */
    totalExact: z.boolean().optional(),
    /** Stored rows of this page that break the record schema (damaged): left out of `items`. */
    skipped: skippedSchema,
  });
}

export const byId = z.strictObject({ id: idSchema });
/**
 * Owners (or assignees, or authors) any of whose values matches, case-insensitively: member ids and
 * the names free-text owners were typed as ("My records", "My team"). Empty matches nothing.
 */
export const anyOfFilter = z.array(z.string().trim().min(1).max(100)).max(500).optional();
const deleted = z.object({ id: idSchema, deletedAt: timestampSchema });
export const linkFilter = {
  accountId: idSchema.optional(),
  contactId: idSchema.optional(),
  dealId: idSchema.optional(),
};

/** The five channels of one entity (create, update, get, list, delete), named `<name>.<verb>`. */
export function crud<
  N extends string,
  R extends z.ZodType,
  C extends z.ZodType,
  P extends z.ZodType,
  F extends z.ZodType,
>(name: N, label: string, record: R, create: C, patch: P, filter: F, sorts: readonly [string, ...string[]]) {
  return {
    [`${name}.create`]: channel(create, record, `Creates ${label}.`),
    [`${name}.update`]: channel(
      z.strictObject({ id: idSchema, patch }),
      record,
      `Changes some fields of ${label}; absent fields stay as they are.`,
    ),
    [`${name}.get`]: channel(byId, record, `One live ${label} by id.`),
    [`${name}.list`]: channel(
      listInput(filter, sorts),
      page(record),
      `A filtered, sorted page of ${label} records with the total count.`,
    ),
    [`${name}.delete`]: channel(byId, deleted, `Deletes ${label} (a tombstone that sync propagates).`),
  } as {
    [K in 'create' | 'update' | 'get' | 'list' | 'delete' as `${N}.${K}`]: K extends 'create'
      ? ChannelDef<C, R>
      : K extends 'update'
        ? ChannelDef<z.ZodObject<{ id: typeof idSchema; patch: P }, z.core.$strict>, R>
        : K extends 'get'
          ? ChannelDef<typeof byId, R>
          : K extends 'list'
            ? ChannelDef<ReturnType<typeof listInput<F>>, ReturnType<typeof page<R>>>
            : ChannelDef<typeof byId, typeof deleted>;
  };
}
