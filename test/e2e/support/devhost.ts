import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test as base } from '@playwright/test';

export interface RunningHost {
  readonly pageUrl: string;
  readonly rpcUrl: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
}

/**
 * Starts `electron/devhost/host.main.ts` (the built renderer must exist) and waits for its ready line.
 * `extraArgs` go to the host after `--data` and `--port` (e.g. `['--policy', file]`).
 */
export async function startHost(
  dataDir: string,
  timeoutMs = 20_000,
  extraArgs: readonly string[] = [],
): Promise<RunningHost> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/devhost/host.main.ts', '--data', dataDir, '--port', '0', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  return await new Promise<RunningHost>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dev host not ready within ${timeoutMs} ms: ${stderr.join('').slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev host exited with ${code}: ${stderr.join('').slice(-2000)}`));
    });
    lines.on('line', (line) => {
      const ready = JSON.parse(line) as { event: string; pageUrl: string; rpcUrl: string };
      if (ready.event !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ pageUrl: ready.pageUrl, rpcUrl: ready.rpcUrl, dataDir, child });
    });
  });
}

export async function stopHost(host: RunningHost): Promise<void> {
  if (host.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => host.child.once('exit', () => resolve()));
  host.child.kill('SIGTERM');
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A test with its own dev host and data directory, stopped and removed afterwards. */
export const test = base.extend<{ host: RunningHost }>({
  // Playwright reads fixture dependencies from this destructuring; this fixture has none.
  host: async ({}, use) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fv-e2e-'));
    const host = await startHost(dataDir);
    await use(host);
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

/** Where screenshots go: a stable folder CI keeps as an artifact. */
export function screenshotPath(name: string): string {
  return path.resolve('test-results', 'screenshots', `${name}.png`);
}
