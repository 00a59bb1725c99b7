import type { ServerConfirmation } from './sync.enrolment';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The dev host's and the tests' confirmation (they have no trusted UI of their own): loopback origins
 * and the origins the host was started with (`--allow-server`) are confirmed; anything else is refused,
 * so a page in the browser cannot make the dev host send a device identity anywhere else.
 */
export function allowListConfirmation(allowed: readonly string[] = []): ServerConfirmation {
  const origins = new Set(allowed.map((a) => new URL(a).origin));
  return {
    confirm(origin) {
      const url = new URL(origin);
      return Promise.resolve(LOOPBACK.has(url.hostname) || origins.has(url.origin));
    },
  };
}
