import { describe, expect, it } from 'vitest';
import { pullPageBody } from '../../../server/pull.body';
import { pullResponseSchema } from '../../../shared/sync/protocol';

describe('pull page body', () => {
  it('is exactly the JSON of the page, for envelopes of every length modulo 3 and an empty page', () => {
    const deltas = [0, 1, 2, 3, 4, 5, 301].map((n, i) => ({
      seq: 41 + i,
      deltaId: `delta-${String(i).padStart(12, '0')}`,
      deviceId: 'device_ABCDEFGHIJ-123',
      receivedAt: 1_700_000_000_000 + i,
      envelope: new Uint8Array(Array.from({ length: n }, (_, b) => (b * 37 + i) & 0xff)),
    }));
    const page = { nextCursor: 47, hasMore: true, latestSeq: 90 };
    const body = pullPageBody(deltas, page);
    const expected = {
      deltas: deltas.map((d) => ({ ...d, envelope: Buffer.from(d.envelope).toString('base64url') })),
      ...page,
    };
    expect(body.toString('utf8')).toBe(JSON.stringify(expected));
    expect(pullResponseSchema.parse(JSON.parse(body.toString('utf8')))).toEqual(expected);

    const empty = pullPageBody([], { nextCursor: 5, hasMore: false, latestSeq: 5 });
    expect(JSON.parse(empty.toString('utf8'))).toEqual({
      deltas: [],
      nextCursor: 5,
      hasMore: false,
      latestSeq: 5,
    });
  });

  it('encodes envelopes that are views into a larger buffer from their own bytes only', () => {
    const backing = Buffer.from('xxxxHELLOyyyy');
    const envelope = new Uint8Array(backing.buffer, backing.byteOffset + 4, 5);
    const body = pullPageBody(
      [{ seq: 1, deltaId: 'd'.repeat(16), deviceId: 'e'.repeat(16), receivedAt: 1, envelope }],
      { nextCursor: 1, hasMore: false, latestSeq: 1 },
    );
    const parsed = pullResponseSchema.parse(JSON.parse(body.toString('utf8')));
    expect(Buffer.from(parsed.deltas[0]!.envelope, 'base64url').toString()).toBe('HELLO');
  });
});
