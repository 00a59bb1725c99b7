// Node's codec is native and far faster than the portable one in shared/ (a pull page can hold 4 MiB).
// Input is already restricted to the base64url alphabet by the protocol schemas, and every envelope
// is authenticated by the clients, so the server need not reject non-canonical padding bits.

/** Bytes as base64url text (no padding). */
export const toBase64Url = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');

/** base64url text as bytes. */
export const fromBase64Url = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));
