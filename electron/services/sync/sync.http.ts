import type { HttpTransport } from '../../../shared/sync/sync.client';

/** How long one request may take before it counts as offline (long-polls add their own wait). */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The sync client's HTTP transport in main: Node's global fetch with a timeout and the engine's
 * abort signals (lock, quit). Signing, schemas, error codes and the clock-skew retry are the shared
 * `SyncApiClient`'s; a request that fails or times out here becomes its `SYNC_OFFLINE`. Redirects are
 * returned, never followed.
 */
export function fetchTransport(options: {
  readonly timeoutMs?: number;
  readonly signals?: readonly AbortSignal[];
}): HttpTransport {
  return async ({ method, url, headers, body }) => {
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
      ...(options.signals ?? []),
    ]);
    const response = await fetch(url, {
      method,
      headers,
      body: body ? Buffer.from(body) : undefined,
      signal,
      // Never follow: the signed headers (and the body) would go to whatever the Location names.
      // SyncApiClient turns the 3xx into SYNC_REDIRECTED.
      redirect: 'manual',
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
}
