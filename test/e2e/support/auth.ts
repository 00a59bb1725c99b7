import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startHost, stopHost, test as base, type RunningHost } from './devhost';

/** What the dev host's `--auth-script` file may say. */
export type Answer = 'ok' | 'AUTH_DENIED' | 'AUTH_CANCELLED' | 'AUTH_UNAVAILABLE';

/** A dev host started with `--auth-script` and `--session-script`, and the files that drive them. */
export interface AuthHost extends RunningHost {
  /** The next OS check answers this (until changed). */
  answer(value: Answer | 'missing'): void;
  /** The reasons the OS was asked for, in order, from `FILE.log`. */
  prompts(): string[];
  /** Sets main's view of the system idle time. */
  idle(seconds: number): void;
  /** Fires a session event in main (each call appends one). */
  fire(event: 'suspend' | 'lock-screen'): void;
}

function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Starts a dev host whose OS check and session signals the test drives through files. */
export async function startAuthHost(root: string): Promise<AuthHost> {
  const authFile = path.join(root, 'auth');
  const sessionFile = path.join(root, 'session.json');
  let session: { idleSeconds: number; events: string[] } = { idleSeconds: 0, events: [] };
  replace(authFile, 'ok\n');
  replace(sessionFile, JSON.stringify(session));
  const host = await startHost(path.join(root, 'data'), 20_000, [
    '--auth-script',
    authFile,
    '--session-script',
    sessionFile,
    '--idle-poll-ms',
    '100',
  ]);
  const write = (next: typeof session): void => {
    session = next;
    replace(sessionFile, JSON.stringify(session));
  };
  return {
    ...host,
    answer: (value) =>
      value === 'missing' ? rmSync(authFile, { force: true }) : replace(authFile, value + '\n'),
    prompts: () => {
      try {
        return readFileSync(`${authFile}.log`, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    idle: (seconds) => write({ ...session, idleSeconds: seconds }),
    fire: (event) => write({ ...session, events: [...session.events, event] }),
  };
}

/** A test with its own scripted dev host, stopped and removed afterwards. */
export const test = base.extend<{ auth: AuthHost }>({
  // Playwright reads fixture dependencies from this destructuring; this fixture has none.
  auth: async ({}, use) => {
    const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-auth-'));
    const host = await startAuthHost(root);
    await use(host);
    await stopHost(host);
    rmSync(root, { recursive: true, force: true });
  },
});

export { expect } from './devhost';

/** A JSON-RPC reply: `{ ok, value }` or `{ ok: false, error: { code } }`, as `window.crm.invoke` gives. */
export type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** A second JSON-RPC client of the same dev host, outside the page (as another process would be). */
export class RpcClient {
  private next = 1;
  private constructor(private readonly ws: WebSocket) {}

  static async open(url: string): Promise<RpcClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RpcClient(ws);
  }

  call(method: string, params?: unknown): Promise<Reply> {
    const id = this.next++;
    return new Promise<Reply>((resolve) => {
      const onMessage = (data: Buffer): void => {
        const message = JSON.parse(data.toString('utf8')) as {
          id?: number;
          result?: unknown;
          error?: { message: string; data?: { code?: string } };
        };
        if (message.id !== id) return;
        this.ws.off('message', onMessage);
        resolve(
          message.error
            ? {
                ok: false,
                error: { code: message.error.data?.code ?? 'RPC', message: message.error.message },
              }
            : { ok: true, value: message.result },
        );
      };
      this.ws.on('message', onMessage);
      this.ws.send(
        JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }),
      );
    });
  }

  /** `vault.status`'s state. */
  async state(): Promise<string> {
    const reply = await this.call('vault.status');
    if (!reply.ok) throw new Error(`vault.status failed: ${reply.error.code}`);
    return (reply.value as { state: string }).state;
  }

  close(): void {
    this.ws.close();
  }
}
