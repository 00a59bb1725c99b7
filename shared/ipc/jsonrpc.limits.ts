/* Limits of the dev host's JSON-RPC transport, without zod, so the browser bridge stays small. */

/**
 * The largest frame the host accepts; a larger one closes the connection (code 1009), so the bridge
 * refuses such a call itself. Sized for the contract's largest input: an import of
 * `MAX_IMPORT_BYTES` (20 Mi UTF-16 units) of CJK text is 60 MiB of UTF-8 (a test checks the margin).
 */
export const RPC_MAX_FRAME_BYTES = 64 * 1024 * 1024;
