import { randomBytes } from '@noble/hashes/utils.js';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

let lastMs = -1;
let seq = 0;

// Random bytes come from a pool refilled 4 KiB at a time: one CSPRNG call per 256 ids, not per id
// (a per-id call was a fifth of the import time).
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolAt = POOL_SIZE;

function random16(): Uint8Array {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + 16);
  poolAt += 16;
  return out;
}

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, then 12 bits that count up within one
 * millisecond (so ids made in one process sort in creation order), variant, and 62 random bits.
 * Time-ordered ids keep B-tree inserts at the right edge of the index, which matters for the op log.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  let ms = Math.max(0, Math.floor(nowMs));
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
    if (seq > 0xfff) {
      // More than 4096 ids in one millisecond: borrow the next millisecond to stay monotonic.
      ms = lastMs + 1;
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  const b = random16();
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((seq >>> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]!]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/** Lower-case canonical UUID text (any version). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Unix milliseconds encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
