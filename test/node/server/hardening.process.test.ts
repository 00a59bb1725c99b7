import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { SIGNATURE_HEADERS } from '../../../shared/sync/signing';
import { tempDir } from '../support/tmp';
import { requireCluster, usePostgresCluster } from './backends';
import { repoRoot } from './spawn';

interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

/** `npm run server` as documented, with its own environment, resolved at its ready line. */
function startServerProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/server.main.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  children.add(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not print a ready line')), 60_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { event: string; url: string };
      if (ready.event !== 'ready') reject(new Error(`unexpected first line ${line}`));
      resolve({ child, url: ready.url, stderr, exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr.join('\n')}`));
    });
  });
}

/** `server.main.ts` run to completion (for the options it must refuse before listening). */
function runServer(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/server.main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });
}

/** Rows per table of a server's SQLite file, read beside the running server (WAL readers do not block it). */
function rowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    return Object.fromEntries(
      tables.map((t) => [
        t.name,
        db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${t.name}"`).get()!.n,
      ]),
    );
  } finally {
    db.close();
  }
}

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

function makeCert(dir: string): { cert: string; key: string } {
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
  ]);
  expect(made.status, 'openssl is needed to make a test certificate').toBe(0);
  return { cert, key };
}

/** A request from a hostile client: signature headers of a device that never registered, noise as signature. */
function forged(i: number): { path: string; init: RequestInit } {
  const headers = {
    [SIGNATURE_HEADERS.device]: randomId(),
    [SIGNATURE_HEADERS.timestamp]: String(Date.now()),
    [SIGNATURE_HEADERS.nonce]: randomId(),
    [SIGNATURE_HEADERS.signature]: 'B'.repeat(86),
  };
  const ws = randomId();
  switch (i % 4) {
    case 0:
      return { path: syncPath(syncRoutes.me, { workspaceId: ws }), init: { headers } };
    case 1:
      return { path: syncPath(syncRoutes.pull, { workspaceId: ws }, { after: 0 }), init: { headers } };
    case 2:
      return {
        path: syncPath(syncRoutes.push, { workspaceId: ws }),
        init: {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ deltas: [] }),
        },
      };
    default:
      return { path: syncPath(syncRoutes.listDevices, { workspaceId: ws }), init: {} };
  }
}

async function flood(server: ServerProcess, total: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const r = forged(next++);
      const res = await fetch(server.url + r.path, r.init);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

describe('server hardening, run as the shipped process', () => {
  it('1,300 unauthenticated requests with rotating device headers get 429s and add no storage rows', async () => {
    const data = tempDir('fv-hard-');
    const file = path.join(data, 'sync.sqlite');
    const server = await startServerProcess(['--data', data, '--port', '0']);
    const before = rowCounts(file);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['nonces', 'rate_windows', 'devices']));
    const statuses = await flood(server, 1300, 16);
    expect(statuses.length).toBe(1300);
    // The default limit is 1,200 per minute per address: the rest are refused, whatever device they name.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(100);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(rowCounts(file)).toEqual(before);
    // Health checks still answer for the load balancer.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 120_000);

  it('creates its data files 0600 (and its directory 0700), and narrows older ones', async () => {
    const data = path.join(tempDir('fv-hard-'), 'new-dir');
    const file = path.join(data, 'sync.sqlite');
    let server = await startServerProcess(['--data', data, '--port', '0']);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, mode(f)]).toEqual([f, '600']);
    expect(mode(data)).toBe('700');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // A database an older server left world-readable is narrowed on the next start.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        chmodSync(f, 0o644);
      } catch {
        // a clean shutdown may have removed -wal/-shm
      }
    }
    server = await startServerProcess(['--data', data, '--port', '0']);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, mode(f)]).toEqual([f, '600']);
  }, 120_000);

  it('off loopback, refuses to start without an enrolment code unless --open-enrolment says so', async () => {
    const dir = tempDir('fv-hard-');
    const { cert, key } = makeCert(dir);
    const tls = ['--tls-cert', cert, '--tls-key', key];
    const refused = runServer(['--data', dir, '--host', '0.0.0.0', '--port', '0', ...tls]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--enrolment-token-file');
    expect(refused.stderr).toContain('--open-enrolment');

    const token = path.join(dir, 'enrolment');
    writeFileSync(token, 'ENROLMENT-0123456789abcdef\n');
    const both = runServer([
      '--data',
      dir,
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      ...tls,
      '--enrolment-token-file',
      token,
      '--open-enrolment',
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('contradict');

    const open = await startServerProcess([
      '--data',
      dir,
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      ...tls,
      '--open-enrolment',
    ]);
    expect(open.url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
    expect(open.stderr.some((l) => l.includes('"open_enrolment"'))).toBe(true);
    const coded = await startServerProcess([
      '--data',
      tempDir('fv-hard-'),
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      ...tls,
      '--enrolment-token-file',
      token,
    ]);
    expect(coded.url).toMatch(/^https:/);
    // Loopback keeps today's behaviour: no code needed.
    const loopback = await startServerProcess(['--data', tempDir('fv-hard-'), '--port', '0']);
    expect(loopback.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  }, 120_000);

  it('--trust-proxy takes a hop count or addresses, and refuses "trust all"', () => {
    for (const bad of [['--trust-proxy'], ['--trust-proxy', 'true'], ['--trust-proxy', '0.0.0.0/0']]) {
      const r = runServer(['--data', tempDir('fv-hard-'), '--port', '0', ...bad]);
      expect([bad.join(' '), r.status]).toEqual([bad.join(' '), bad.length === 1 ? 1 : 2]);
      expect(r.stdout).toBe('');
    }
  }, 120_000);
});

describe('server hardening on PostgreSQL', () => {
  usePostgresCluster();
  const SECRET = 'PW-MARKER-s3cret-9f2c';

  /** A role that must log in with a password (scram), ahead of the cluster's trust rules. */
  async function passwordRole(): Promise<string> {
    const cluster = requireCluster();
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE fv_pw LOGIN PASSWORD '${SECRET}'`);
      await admin.query('CREATE DATABASE fv_pw OWNER fv_pw');
      const hba = path.join(cluster.dataDir, 'pg_hba.conf');
      writeFileSync(hba, `host all fv_pw 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await admin.end();
    }
    return `postgres://fv_pw@127.0.0.1:${cluster.port}/fv_pw`;
  }

  it('1,300 forged requests add no rows on PostgreSQL either', async () => {
    const cluster = requireCluster();
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
    });
    await admin.connect();
    await admin.query('CREATE DATABASE fv_flood');
    await admin.end();
    const url = `postgres://postgres@127.0.0.1:${cluster.port}/fv_flood`;
    const server = await startServerProcess([
      '--data',
      tempDir('fv-hard-'),
      '--database',
      url,
      '--port',
      '0',
    ]);
    const counts = async (): Promise<Record<string, number>> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const tables = await c.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        );
        const out: Record<string, number> = {};
        for (const t of tables.rows) {
          const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${t.tablename}"`);
          out[t.tablename] = Number(r.rows[0]!.n);
        }
        return out;
      } finally {
        await c.end();
      }
    };
    const before = await counts();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['nonces', 'rate_windows']));
    const statuses = await flood(server, 1300, 16);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(100);
    expect(await counts()).toEqual(before);
  }, 120_000);

  it('refuses a password in --database with a message naming the safe options, never the password', () => {
    for (const url of [
      `postgres://fv:${SECRET}@127.0.0.1:5432/fv`,
      `postgresql://fv@127.0.0.1:5432/fv?password=${SECRET}`,
    ]) {
      const r = runServer(['--data', tempDir('fv-hard-'), '--database', url]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--database-password-file');
      expect(r.stderr).toContain('PGPASSWORD');
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    }
  }, 120_000);

  it('logs in with PGPASSWORD or a password file; argv and the log never hold the password', async () => {
    const url = await passwordRole();
    const withoutPassword = { ...process.env };
    delete withoutPassword.PGPASSWORD;
    const denied = runServer(
      ['--data', tempDir('fv-hard-'), '--database', url, '--port', '0'],
      withoutPassword,
    );
    expect(denied.status).toBe(1);
    expect(denied.stderr).not.toContain(SECRET);

    const viaEnv = await startServerProcess(
      ['--data', tempDir('fv-hard-'), '--database', url, '--port', '0'],
      {
        ...withoutPassword,
        PGPASSWORD: SECRET,
      },
    );
    expect((await fetch(`${viaEnv.url}/health`)).status).toBe(200);
    const cmdline = readFileSync(`/proc/${viaEnv.child.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('fv_pw');
    expect(cmdline).not.toContain(SECRET);
    expect(viaEnv.stderr.some((l) => l.includes('"source":"PGPASSWORD"'))).toBe(true);

    const dir = tempDir('fv-hard-');
    const file = path.join(dir, 'db_password');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const viaFile = await startServerProcess(
      ['--data', dir, '--database', url, '--database-password-file', file, '--port', '0'],
      withoutPassword,
    );
    expect((await fetch(`${viaFile.url}/health`)).status).toBe(200);
    expect(readFileSync(`/proc/${viaFile.child.pid}/cmdline`, 'utf8')).not.toContain(SECRET);
    expect([...viaEnv.stderr, ...viaFile.stderr].join('\n')).not.toContain(SECRET);
  }, 120_000);
});
