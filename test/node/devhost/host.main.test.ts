import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RpcClient } from '../support/rpc-client';
import { tempDir } from '../support/tmp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = 'electron/devhost/host.main.ts';

interface Ready {
  readonly rpcUrl: string;
  readonly osCheck: string;
}

function run(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  });
  return child;
}

/** The exit code and stderr of a host that must refuse its flags. */
async function refused(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = run(args);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

/** Starts the real dev host (the built renderer must exist) and returns its ready line and stderr. */
async function started(args: readonly string[]): Promise<{ ready: Ready; stderr: () => string }> {
  const child = run(args);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dev host exited with ${code}: ${stderr.slice(-1500)}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Ready & { event: string };
      if (parsed.event === 'ready') resolve(parsed);
    });
  });
  return { ready, stderr: () => stderr };
}

async function connect(url: string): Promise<RpcClient> {
  const client = await RpcClient.connect(url);
  onTestFinished(() => client.close());
  return client;
}

describe('the dev host makes the OS user check an explicit choice', () => {
  it('refuses two choices at once and an out-of-range idle poll, before starting anything', async () => {
    const data = tempDir('fv-host-');
    const twice = await refused(['--data', data, '--auth-script', path.join(data, 'a'), '--no-os-auth']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('at most one of --auth-script, --os-auth and --no-os-auth');
    const fast = await refused(['--data', data, '--idle-poll-ms', '5']);
    expect(fast.code).toBe(2);
    expect(fast.stderr).toContain('--idle-poll-ms');
  });

  it('without a choice it says there is no OS check: on stderr and in its ready line', async () => {
    const { ready, stderr } = await started(['--data', tempDir('fv-host-'), '--port', '0']);
    expect(ready.osCheck).toBe('none');
    expect(stderr()).toContain('no OS user check');
  });

  it('--auth-script and --session-script drive the check and main lock from outside the process', async () => {
    const root = tempDir('fv-host-');
    const auth = path.join(root, 'auth');
    const session = path.join(root, 'session.json');
    writeFileSync(auth, 'ok\n');
    writeFileSync(session, JSON.stringify({ idleSeconds: 0, events: [] }));
    const { ready } = await started([
      '--data',
      path.join(root, 'data'),
      '--auth-script',
      auth,
      '--session-script',
      session,
      '--idle-poll-ms',
      '100',
    ]);
    expect(ready.osCheck).toBe('scripted');
    const rpc = await connect(ready.rpcUrl);
    expect((await rpc.call('vault.setup')).result).toMatchObject({ status: { state: 'unlocked' } });
    await rpc.call('vault.lock');

    writeFileSync(auth, 'AUTH_DENIED\n');
    expect((await rpc.call('vault.unlock')).error?.data?.code).toBe('AUTH_DENIED');
    writeFileSync(auth, 'something else\n');
    expect((await rpc.call('vault.unlock')).error?.data?.code).toBe('AUTH_UNAVAILABLE');
    expect((await rpc.call('vault.status')).result).toMatchObject({ state: 'locked' });
    writeFileSync(auth, 'ok\n');
    expect((await rpc.call('vault.unlock')).result).toMatchObject({ state: 'unlocked' });
    expect(readFileSync(`${auth}.log`, 'utf8')).toBe('unlock\nunlock\nunlock\n');

    // A session event written to the file locks the vault in main.
    writeFileSync(session, JSON.stringify({ idleSeconds: 0, events: ['lock-screen'] }));
    await expect
      .poll(async () => (await rpc.call('vault.status')).result, { timeout: 10_000 })
      .toMatchObject({ state: 'locked' });
  });
});
