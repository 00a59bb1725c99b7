import { z } from 'zod';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../../../shared/sync/encoding';
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
  v: z.literal(2),
  rows: z.array(rowTuple).max(10_000),
  /** The pusher's pull cursor when it sealed the delta: every delta up to it was known to it. */
  seen: z.number().int().nonnegative().optional(),
  /** The pusher's own delta number: 1, 2, ... with no gap. */
  dseq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** base64url SHA-256 digest of the pusher's previous envelope (`envelopeDigest`); '' for dseq 1. */
  prev: z.string().regex(/^([A-Za-z0-9_-]{43})?$/),
  /**
   * Earlier dseqs of the pusher whose ops this delta carries again: their envelopes reached the
   * server corrupted, so they could not be pushed again as they were.
   */
  resends: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).max(10_000).optional(),
});

/** Where a delta sits in its device's chain. */
export interface ChainLink {
  /** This delta's number among its device's deltas (1, 2, ...). */
  readonly dseq: number;
  /** The digest of the device's previous envelope; null for dseq 1. */
  readonly prev: Uint8Array | null;
  /** Earlier dseqs of this device whose ops this delta carries again (usually none). */
  readonly resends?: readonly number[];
}

/** A decoded delta. `seen` is null when the pusher did not say. */
export interface DecodedDelta extends ChainLink {
  readonly rows: Omit<Change, 'deviceId'>[];
  readonly seen: number | null;
  readonly resends: readonly number[];
}

/**
 * The plaintext of one delta:
 * `{v:2, rows:[[opId, entity, recordId, hlc, fields]], seen, dseq, prev, resends?}`. The device id is
 * not repeated per row: it is the HLC's device, which must be the author's clock id exactly (checked
 * on pull against the membership log). `dseq` and `prev` chain the device's deltas so receivers can
 * tell a dropped, reordered or forked delta (sync.chain.ts). A dropped delta is resent as the same
 * envelope (same id, dseq and bytes), so its chain verifies whole once it arrives.
 */
export function encodeDelta(
  rows: readonly Omit<Change, 'deviceId'>[],
  link: ChainLink,
  seen?: number,
): Uint8Array {
  return utf8(
    JSON.stringify({
      v: 2,
      rows: rows.map((r) => [r.opId, r.entity, r.recordId, r.hlc, r.fields]),
      seen,
      dseq: link.dseq,
      prev: link.prev ? toBase64Url(link.prev) : '',
      ...(link.resends && link.resends.length > 0 ? { resends: link.resends } : {}),
    }),
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
  const { dseq, prev } = result.data;
  // The first delta has no predecessor; every later one names it.
  if ((dseq === 1) !== (prev === '')) return null;
  return {
    rows: result.data.rows.map(([opId, entity, recordId, hlc, fields]) => ({
      opId,
      entity,
      recordId,
      hlc,
      fields,
    })),
    seen: result.data.seen ?? null,
    dseq,
    prev: prev === '' ? null : fromBase64Url(prev),
    resends: result.data.resends ?? [],
  };
}
