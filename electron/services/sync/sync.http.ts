import type { z } from 'zod';
import { AppError, ERROR_CODES, type ErrorCode } from '../../../shared/errors';
import { utf8 } from '../../../shared/sync/encoding';
import { errorResponseSchema } from '../../../shared/sync/protocol';
import { signRequest } from '../../../shared/sync/signing';

/** How long one request may take before it counts as offline (long-polls add their own wait). */
const REQUEST_TIMEOUT_MS = 30_000;

/** The identity a request is signed with. `signSecretKey` stays owned by the caller. */
export interface SigningIdentity {
  readonly deviceId: string;
  readonly signSecretKey: Uint8Array;
}

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * A signed JSON client for the sync server (Node's global fetch). Network failures become
 * `SYNC_OFFLINE`; server errors keep their `ErrorCode` (DEVICE_REVOKED, CLOCK_SKEW, …); a response
 * that does not match its schema is `INTERNAL`. Messages carry no customer data.
 */
export class SyncHttpClient {
  constructor(
    readonly serverUrl: string,
    private readonly identity: () => SigningIdentity,
    private readonly signal?: AbortSignal,
  ) {}

  async request<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<z.infer<S>> {
    const url = new URL(this.serverUrl.replace(/\/+$/, '') + path);
    const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
    const id = this.identity();
    const headers = signRequest({
      method,
      path: url.pathname + url.search,
      body: bytes,
      deviceId: id.deviceId,
      signSecretKey: id.signSecretKey,
    });
    const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const signal = AbortSignal.any([
      timeout,
      ...(this.signal ? [this.signal] : []),
      ...(options.signal ? [options.signal] : []),
    ]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...(bytes ? { 'content-type': 'application/json' } : {}) },
        body: bytes ? Buffer.from(bytes) : undefined,
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw new AppError('SYNC_OFFLINE', 'The sync server cannot be reached', { cause: error });
    }
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new AppError('INTERNAL', `The sync server sent a malformed response (HTTP ${response.status})`);
    }
    if (!response.ok) {
      const err = errorResponseSchema.safeParse(json);
      const code = err.success && isErrorCode(err.data.error.code) ? err.data.error.code : null;
      if (code) throw new AppError(code, `The sync server refused the request (${code})`);
      if (response.status >= 500 || response.status === 429) {
        throw new AppError('SYNC_OFFLINE', `The sync server is unavailable (HTTP ${response.status})`);
      }
      throw new AppError('INTERNAL', `The sync server refused the request (HTTP ${response.status})`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AppError('INTERNAL', 'The sync server sent an unexpected response');
    return parsed.data;
  }
}
