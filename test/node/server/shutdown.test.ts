import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { tempDir } from '../support/tmp';
import { killServersAfterEach, logLines, parseExposition, sampleValue, startServerProcess } from './spawn';
import { TestDevice } from './sync-client';

killServersAfterEach();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown of the real server process', () => {
  it('on SIGTERM answers the held long-poll, finishes, closes storage and exits 0 promptly', async () => {
    const data = tempDir('fv-stop-');
    const args = ['--data', data, '--port', '0', '--metrics-port', '0'];
    const server = await startServerProcess(args);
    const a = new TestDevice(server.url);
    await a.createWorkspace();
    await a.push([a.seal('before-stop')]);

    const started = Date.now();
    const wait = a.call(
      'GET',
      syncPath(syncRoutes.wait, { workspaceId: a.workspaceId }, { after: 1, timeoutMs: 30_000 }),
    );
    for (let i = 0; i < 100; i++) {
      const text = await (await fetch(server.metricsUrl!)).text();
      if (sampleValue(parseExposition(text), 'fieldvault_longpolls_active') === 1) break;
      await sleep(50);
    }
    const signalled = Date.now();
    server.child.kill('SIGTERM');

    const answered = await wait;
    const answeredAt = Date.now();
    // Answered at once with "nothing new", not after its 30 s timeout and not with a reset.
    expect(answered.status).toBe(200);
    expect(answered.json).toMatchObject({ changed: false, latestSeq: 1 });
    expect(answeredAt - signalled).toBeLessThan(5_000);
    expect(answeredAt - started).toBeLessThan(10_000);
    expect(await server.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);

    const events = logLines(server).map((l) => l.event);
    expect(events).toContain('stopping');
    expect(events.at(-1)).toBe('stopped');
    expect(events).not.toContain('shutdown_timeout');

    // Storage was closed cleanly: a new process on the same directory has everything.
    const again = await startServerProcess(args);
    a.baseUrl = again.url;
    const page = await a.pull(0);
    expect(page.deltas.map((d) => a.open(d))).toEqual(['before-stop']);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('exits 1 after --shutdown-timeout-ms when a request never finishes', async () => {
    const server = await startServerProcess([
      '--data',
      tempDir('fv-stop-'),
      '--port',
      '0',
      '--shutdown-timeout-ms',
      '1500',
    ]);
    const { port } = new URL(server.url);
    // A client that announces a body and never sends all of it keeps its request in flight.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(
      'POST /v1/workspaces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":',
    );
    await sleep(300);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(6_000);
    expect(logLines(server).map((l) => l.event)).toContain('shutdown_timeout');
    socket.destroy();
  });
});
