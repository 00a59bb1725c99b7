import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
}

/** Starts the sync server (`server/server.main.ts`) on loopback and waits for its ready line. */
export async function startSyncServer(dataDir: string, port = 0, timeoutMs = 20_000): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/server.main.ts', '--data', dataDir, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  return await new Promise<RunningServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sync server not ready within ${timeoutMs} ms: ${stderr.join('').slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sync server exited with ${code}: ${stderr.join('').slice(-2000)}`));
    });
    lines.on('line', (line) => {
      let ready: { event?: string; url?: string };
      try {
        ready = JSON.parse(line) as { event?: string; url?: string };
      } catch {
        return;
      }
      if (ready.event !== 'ready' || !ready.url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: ready.url, port: Number(new URL(ready.url).port), child });
    });
  });
}

export async function stopSyncServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
