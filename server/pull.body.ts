import type { StoredDelta } from './storage/storage';

/** Characters of unpadded base64url for `n` bytes. */
const base64UrlLength = (n: number): number => Math.floor(n / 3) * 4 + [0, 2, 3][n % 3]!;

/**
 * The JSON body of a pull page (`pullResponseSchema`), written once into one buffer of exactly its
 * size (issue 17): no object per delta, no `JSON.stringify` over megabytes of base64, no second copy
 * of the whole text into bytes. Every envelope is encoded by node's native base64url straight from
 * the storage's buffer. Nothing needs escaping: ids are base64url (the protocol's id schema, checked
 * on push), numbers are integers.
 */
export function pullPageBody(
  deltas: readonly StoredDelta[],
  page: { readonly nextCursor: number; readonly hasMore: boolean; readonly latestSeq: number },
): Buffer {
  const heads: string[] = new Array<string>(deltas.length);
  let size = 0;
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i]!;
    const head = `${i === 0 ? '' : ','}{"seq":${d.seq},"deltaId":"${d.deltaId}","deviceId":"${d.deviceId}","receivedAt":${d.receivedAt},"envelope":"`;
    heads[i] = head;
    size += head.length + base64UrlLength(d.envelope.length) + 2;
  }
  const open = '{"deltas":[';
  const close = `],"nextCursor":${page.nextCursor},"hasMore":${page.hasMore},"latestSeq":${page.latestSeq}}`;
  size += open.length + close.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(open, 0, 'latin1');
  for (let i = 0; i < deltas.length; i++) {
    const e = deltas[i]!.envelope;
    at += out.write(heads[i]!, at, 'latin1');
    at += out.write(Buffer.from(e.buffer, e.byteOffset, e.length).toString('base64url'), at, 'latin1');
    at += out.write('"}', at, 'latin1');
  }
  at += out.write(close, at, 'latin1');
  if (at !== size) throw new Error('pull page body size mismatch');
  return out;
}
