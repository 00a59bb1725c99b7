import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../../shared/ipc/contract';
import { RpcClient } from '../../support/rpc-client';

/**
 * Real processes for the acceptance suite: the sync server (`server/server.main.ts`) and dev hosts
 * (`electron/devhost/host.main.ts`), each a child process on loopback, driven only over HTTP and
 * JSON-RPC. Every child is tracked by its `Cluster` and stopped in `stop()`, even after a failure.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const READY_TIMEOUT_MS = 30_000;
const RPC_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 4_000;
/** How often `startServerAt` tries a port that is still taken (250 ms apart). */
const PORT_RETRIES = 40;

/** A failed JSON-RPC call: `code` is the application's `error.data.code` (or the JSON-RPC code). */
export class RpcFailure extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    detail: string,
  ) {
    super(`${method} failed with ${code}: ${detail}`);
  }
}

/** A started child with its ready line and the tail of its stderr (for failure messages). */
interface Started {
  readonly child: ChildProcess;
  readonly ready: Record<string, unknown>;
  readonly stderrTail: () => string;
}

function spawnReady(label: string, args: readonly string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8_000);
  });
  const stderrTail = () => stderr.slice(-3_000);
  const lines = createInterface({ input: child.stdout });
  return new Promise<Started>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`${label} ${why}: ${stderrTail()}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || !('event' in parsed)) return;
      if (parsed.event !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, ready: parsed, stderrTail });
    });
  });
}

/** SIGTERM, then SIGKILL if the child is still there after a few seconds. Resolves once it exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(timer);
}

/** The real sync server as a child process. */
export interface ServerProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly stderrTail: () => string;
}

/** One dev host (the shipped composition root behind JSON-RPC) as a child process. */
export class HostProcess {
  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly child: ChildProcess,
    readonly rpc: RpcClient,
    readonly stderrTail: () => string,
  ) {}

  /** Calls a channel and returns its result; throws `RpcFailure` with the error code otherwise. */
  async call<C extends ChannelName>(channel: C, input?: ChannelInput<C>): Promise<ChannelOutput<C>> {
    const reply = await this.attempt(channel, input);
    if (!reply.ok) throw new RpcFailure(`${this.name} ${channel}`, reply.code, reply.message);
    return reply.result;
  }

  /** Calls a channel and reports success or the error code; never throws for an application error. */
  async attempt<C extends ChannelName>(
    channel: C,
    input?: ChannelInput<C>,
  ): Promise<{ ok: true; result: ChannelOutput<C> } | { ok: false; code: string; message: string }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      throw new Error(`${this.name} is not running: ${this.stderrTail()}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} ${channel}: no answer within ${RPC_TIMEOUT_MS} ms`)),
        RPC_TIMEOUT_MS,
      );
    });
    try {
      const reply = await Promise.race([this.rpc.call(channel, input), timeout]);
      if (reply.error) {
        return {
          ok: false,
          code: reply.error.data?.code ?? String(reply.error.code),
          message: reply.error.message,
        };
      }
      return { ok: true, result: reply.result as ChannelOutput<C> };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A set of processes for one test file, with one temporary root; `stop()` ends and removes all. */
export class Cluster {
  readonly root = mkdtempSync(path.join(tmpdir(), 'fv-accept-'));
  private readonly children: ChildProcess[] = [];
  private readonly clients: RpcClient[] = [];

  async startServer(): Promise<ServerProcess> {
    const dataDir = mkdtempSync(path.join(this.root, 'server-'));
    const started = await this.track(
      spawnReady('sync server', ['server/server.main.ts', '--data', dataDir, '--port', '0']),
    );
    const url = started.ready.url;
    if (typeof url !== 'string') throw new Error('sync server ready line has no url');
    return { url, dataDir, child: started.child, stderrTail: started.stderrTail };
  }

  /** `options.dataDir`: reuse a stopped host's data (a restart); `options.args`: more flags (`--policy FILE`). */
  async startHost(
    name: string,
    options: { readonly dataDir?: string; readonly args?: readonly string[] } = {},
  ): Promise<HostProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(this.root, `host-${name}-`));
    const started = await this.track(
      spawnReady(`dev host ${name}`, [
        'electron/devhost/host.main.ts',
        '--data',
        dataDir,
        '--port',
        '0',
        ...(options.args ?? []),
      ]),
    );
    const rpcUrl = started.ready.rpcUrl;
    if (typeof rpcUrl !== 'string') throw new Error(`dev host ${name} ready line has no rpcUrl`);
    const rpc = await RpcClient.connect(rpcUrl);
    this.clients.push(rpc);
    return new HostProcess(name, dataDir, started.child, rpc, started.stderrTail);
  }

  /** Closes every RPC connection, stops every child (SIGTERM, then SIGKILL) and removes the files. */
  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.children.map((c) => stopChild(c)));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async track(starting: Promise<Started>): Promise<Started> {
    const started = await starting;
    this.children.push(started.child);
    return started;
  }
}

/** Every file below `dir`, as paths relative to it (directories end with `/`); [] when it is gone. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${child}/`);
        walk(child);
      } else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Sets up `creator` as the creator of a workspace on `serverUrl` and each joiner as a member through
 * an invite the creator made; every vault is left unlocked and synced once. Returns each host's
 * recovery code by host name.
 */
export async function formWorkspace(
  serverUrl: string,
  creator: HostProcess,
  joiners: readonly HostProcess[],
): Promise<Map<string, string>> {
  const recoveryCodes = new Map<string, string>();
  recoveryCodes.set(creator.name, (await creator.call('vault.setup')).recoveryCode);
  await creator.call('workspace.create', { serverUrl, name: 'Acceptance team' });
  for (const joiner of joiners) {
    const { code } = await creator.call('invites.create', { ttlHours: 1 });
    recoveryCodes.set(joiner.name, (await joiner.call('vault.setup')).recoveryCode);
    await joiner.call('invites.accept', { code });
  }
  for (const host of [creator, ...joiners]) await host.call('sync.now');
  return recoveryCodes;
}

/** A sync server started by `startServerAt`: restartable on the same port (clients keep their URL). */
export interface RestartableServer extends ServerProcess {
  readonly port: number;
}

/**
 * Starts the real sync server over `dataDir` (kept across restarts) on `port` (0: any free one),
 * with extra arguments such as `--database URL`. Not tracked by a `Cluster`: the caller stops it
 * with `stopChild` (also after a failure).
 */
export async function startServerAt(
  dataDir: string,
  port: number,
  args: readonly string[] = [],
): Promise<RestartableServer> {
  const start = () =>
    spawnReady('sync server', ['server/server.main.ts', '--data', dataDir, '--port', String(port), ...args]);
  let started: Started;
  for (let attempt = 1; ; attempt++) {
    try {
      started = await start();
      break;
    } catch (error) {
      // A restart on the port it had: until the old socket is gone, or while a short-lived
      // connection of another test happens to hold that port, the server says EADDRINUSE.
      const busy = port !== 0 && error instanceof Error && error.message.includes('"EADDRINUSE"');
      if (!busy || attempt >= PORT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const url = started.ready.url;
  if (typeof url !== 'string') {
    await stopChild(started.child);
    throw new Error('sync server ready line has no url');
  }
  return {
    url,
    dataDir,
    port: Number(new URL(url).port),
    child: started.child,
    stderrTail: started.stderrTail,
  };
}
