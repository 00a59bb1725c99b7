import { z } from 'zod';
import { fromUtf8, utf8 } from '../../../shared/sync/encoding';
import type { Change } from '../crm/change.pipeline';

/**
 * Op-log rows per sealed delta: hundreds (each row holds every field one mutation wrote), so the
 * per-message crypto and HTTP overhead is amortised.
 */
export const ROWS_PER_DELTA = 500;

const rowTuple = z.tuple([
  z.string().min(1).max(100), // op id (the mutation's UUIDv7)
  z.string().min(1).max(50), // entity
  z.string().min(1).max(100), // record id
  z.string().min(1).max(100), // hlc
  z.string().max(1_000_000).nullable(), // fields: JSON object field -> value; null once erased
]);
const payloadSchema = z.object({
  v: z.literal(1),
  rows: z.array(rowTuple).max(10_000),
  /** The pusher's pull cursor when it sealed the delta: every delta up to it was known to it. */
  seen: z.number().int().nonnegative().optional(),
});

/** A decoded delta. `seen` is null when the pusher did not say (older clients). */
export interface DecodedDelta {
  readonly rows: Omit<Change, 'deviceId'>[];
  readonly seen: number | null;
}

/**
 * The plaintext of one delta: `{v:1, rows:[[opId, entity, recordId, hlc, fields]]}`. The device id is
 * not repeated per row: it is the HLC's device, which must belong to the pushing device (checked on
 * pull against the device the envelope's associated data binds).
 */
export function encodeDelta(rows: readonly Omit<Change, 'deviceId'>[], seen?: number): Uint8Array {
  return utf8(
    JSON.stringify({ v: 1, rows: rows.map((r) => [r.opId, r.entity, r.recordId, r.hlc, r.fields]), seen }),
  );
}

/** Parses a decrypted delta; null when it is not one (it still authenticated: a buggy or hostile member). */
export function decodeDelta(bytes: Uint8Array): DecodedDelta | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch {
    return null;
  }
  const result = payloadSchema.safeParse(parsed);
  if (!result.success) return null;
  return {
    rows: result.data.rows.map(([opId, entity, recordId, hlc, fields]) => ({
      opId,
      entity,
      recordId,
      hlc,
      fields,
    })),
    seen: result.data.seen ?? null,
  };
}
