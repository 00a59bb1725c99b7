import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { pushResponseSchema } from '../../../shared/sync/protocol';
import { genesisEntry } from '../../../shared/sync/membership';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { postgresBackend, sqliteBackend, usePostgresCluster } from './backends';
import { expectAbsentFrom } from './harness';
import { TestDevice } from './sync-client';
import { tempDir } from '../support/tmp';

const root = path.resolve(import.meta.dirname, '../../..');
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: string[];
}

/** `npm run server` as the README documents it (tsx server/server.main.ts), waiting for its ready line. */
function startServer(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/server.main.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not print a ready line')), 25_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { event: string; url: string };
      expect(ready.event).toBe('ready');
      resolve({ child, url: ready.url, stderr });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr.join('\n')}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.each(['sqlite', 'postgres'] as const)('server process (%s)', (kind) => {
  // Only this backend's tests depend on the cluster (and fail, never skip, without it).
  if (kind === 'postgres') usePostgresCluster();
  async function storageArgs(): Promise<string[]> {
    const data = tempDir('fv-srv-');
    if (kind === 'sqlite') return ['--data', data];
    const { storage, location } = await postgresBackend.open();
    await storage.close();
    return ['--data', data, '--database', location];
  }

  it('prints a ready line, logs JSON with ids only, and a restart mid-push loses nothing', async () => {
    const args = [...(await storageArgs()), '--port', '0'];
    let server = await startServer(args);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = new TestDevice(server.url);
    await a.createWorkspace();

    // 40 batches of 5 deltas, 4 in flight at a time; the server is SIGKILLed after 10 acknowledgements.
    const batches = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: 5 }, (_, j) => a.seal(`MARKER-restart-${i}-${j}`)),
    );
    const acked = new Set<number>();
    let next = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (next < batches.length) {
        const i = next++;
        try {
          const r = await a.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), {
            deltas: batches[i],
          });
          if (r.status === 200) acked.add(i);
        } catch {
          // connection refused or reset: the server is down; retried after the restart
        }
        if (acked.size >= 10 && !killed) killed = kill(server.child);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await killed;
    expect(acked.size).toBeGreaterThanOrEqual(10);
    expect(acked.size).toBeLessThan(batches.length);

    server = await startServer(args);
    a.baseUrl = server.url;
    // Everything acknowledged before the crash is there, before any retry.
    const survived = new Set((await a.pullAll()).map((x) => x.delta.deltaId));
    for (const i of acked) for (const d of batches[i]!) expect(survived.has(d.deltaId)).toBe(true);
    // The client retries every batch (idempotent): nothing is duplicated, nothing lost.
    for (const batch of batches) {
      const r = await a.call('POST', syncPath(syncRoutes.push, { workspaceId: a.workspaceId }), {
        deltas: batch,
      });
      expect(r.status).toBe(200);
      pushResponseSchema.parse(r.json);
    }
    const all = await a.pullAll();
    expect(all.length).toBe(200);
    expect(all.map((x) => x.delta.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(all.map((x) => x.plaintext)).size).toBe(200);

    const logs = server.stderr.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs.some((l) => l.event === 'request' && l.status === 200)).toBe(true);
    expect(server.stderr.join('\n')).not.toContain('MARKER');

    // Stop it and scan what it stored: ids yes, sealed plaintext never.
    await kill(server.child);
    const files =
      kind === 'sqlite'
        ? await sqliteBackend.diskFiles(path.join(args[1]!, 'sync.sqlite'))
        : await postgresBackend.diskFiles('');
    expectAbsentFrom(files, [Buffer.from('MARKER-restart')], a.workspaceId);
  });
});

describe('server process: transport rules', () => {
  it('refuses plain HTTP on a non-loopback address', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/server.main.ts',
        '--data',
        tempDir('fv-srv-'),
        '--host',
        '0.0.0.0',
        '--port',
        '0',
      ],
      { cwd: root, encoding: 'utf8', timeout: 25_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('plain HTTP is served only on loopback');
  });

  it('takes an enrolment code from a file: refuses a short one, requires it, never logs it', async () => {
    const dir = tempDir('fv-srv-');
    const short = path.join(dir, 'short');
    writeFileSync(short, 'too-short\n');
    const refused = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/server.main.ts',
        '--data',
        dir,
        '--port',
        '0',
        '--enrolment-token-file',
        short,
      ],
      { cwd: root, encoding: 'utf8', timeout: 25_000 },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('at least 16 characters');

    const token = 'ENROLMENT-MARKER-it-approved-7f3a9c';
    const file = path.join(dir, 'enrolment');
    writeFileSync(file, `${token}\n`);
    const server = await startServer(['--data', dir, '--port', '0', '--enrolment-token-file', file]);
    const a = new TestDevice(server.url);
    const r = await a.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: a.deviceId,
      device: a.registration(),
      genesis: genesisEntry(a.deviceId, a.member(), a.keys.signSecretKey, Date.now()),
    });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: { code: 'ENROLMENT_REQUIRED' } });
    await kill(server.child);
    expect(server.stderr.join('\n')).not.toContain('ENROLMENT-MARKER');
  });

  it('serves HTTPS when given --tls-cert and --tls-key', async () => {
    const dir = tempDir('fv-tls-');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    expect(made.status, 'openssl is needed to make a test certificate').toBe(0);
    const server = await startServer(['--data', dir, '--port', '0', '--tls-cert', cert, '--tls-key', key]);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      request(`${server.url}/health`, { ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok', storage: 'sqlite' });
  });
});
