import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KeytarApi } from './keychain.keytar';

/**
 * Why the in-process keychain cannot come back by itself: libsecret keeps one `SecretService` proxy
 * per process, bound to the unique bus name of the daemon it first met and to the encryption
 * session it opened there, and nothing in keytar (or a Node process, which runs no GLib main loop to
 * see the name change) ever resets it. After gnome-keyring restarts, every call keeps failing with
 * "The name :1.N was not provided by any .service files" or "The session wrapping the secret does
 * not exist", for as long as the process lives. These texts mark such a stale connection.
 */
export function isStaleConnection(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /name :\d+\.\d+ was not provided|session .*does not exist|ServiceUnknown|NoReply|remote peer disconnected|connection (is )?closed|Object does not exist at path .*session/i.test(
    text,
  );
}

/** Runs one request in a new process and returns its answer (the launcher differs per host). */
export type ChildCall = (request: {
  op: 'get' | 'set' | 'delete';
  service: string;
  account: string;
  password?: string;
}) => Promise<string | boolean | null>;

const CHILD_TIMEOUT_MS = 15_000;

/** A `ChildCall` over `child_process.fork` (the dev host and tests: Node with the same loaders). */
export function forkChildCall(
  script: string = fileURLToPath(new URL('./keychain.child.ts', import.meta.url)),
): ChildCall {
  return (request) =>
    new Promise((resolve, reject) => {
      const child = fork(script, [], {
        execArgv: process.execArgv,
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('The keychain helper did not answer'));
      }, CHILD_TIMEOUT_MS);
      child.once('message', (reply: unknown) => {
        clearTimeout(timer);
        const r = reply as { ok?: unknown; value?: unknown; message?: unknown };
        if (
          r.ok === true &&
          (typeof r.value === 'string' || typeof r.value === 'boolean' || r.value === null)
        )
          resolve(r.value);
        else reject(new Error(typeof r.message === 'string' ? r.message : 'The keychain helper failed'));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error('The keychain helper exited'));
      });
      child.send(request);
    });
}

/** keytar's calls, each in a fresh process, so each talks to the Secret Service that runs now. */
export function childKeytarApi(call: ChildCall): KeytarApi {
  return {
    getPassword: async (service, account) => {
      const v = await call({ op: 'get', service, account });
      return typeof v === 'string' ? v : null;
    },
    setPassword: async (service, account, password) => {
      await call({ op: 'set', service, account, password });
    },
    deletePassword: async (service, account) => (await call({ op: 'delete', service, account })) === true,
  };
}
