import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

/**
 * A private, throw-away PostgreSQL cluster for tests (recipe in ../shared/README.md): initdb into a
 * temporary directory, started on a free loopback port with its socket in that directory, run as the
 * `postgres` OS user when we are root. Nothing of the machine's own clusters is touched.
 */
export interface PostgresCluster {
  readonly port: number;
  /** The cluster's data directory (readable by root: tests scan it for plaintext). */
  readonly dataDir: string;
  /** Creates a fresh database and returns its connection URL. */
  createDatabase(name: string): Promise<string>;
  /** Forces dirty pages to disk, so a scan of `dataDir` sees everything written. */
  checkpoint(): Promise<void>;
  stop(): void;
}

/** Where the PostgreSQL 15 binaries are (Debian's `postgresql` package); `FV_PG_BIN` overrides. */
export function postgresBinDir(): string {
  return process.env.FV_PG_BIN ?? '/usr/lib/postgresql/15/bin';
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Starts a private cluster. Throws (never skips) when the binaries are missing. */
export async function startPostgres(
  options: {
    /** fsync on, as a production server runs (benches, issue 17); tests default to fsync off. */
    readonly durable?: boolean;
  } = {},
): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!existsSync(path.join(bin, 'initdb')) || !existsSync(path.join(bin, 'pg_ctl'))) {
    throw new Error(
      `PostgreSQL binaries not found in ${bin}: install Debian's 'postgresql' package (.ci/run does) ` +
        `or set FV_PG_BIN to the directory holding initdb and pg_ctl`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(path.join(tmpdir(), 'fv-pg-'));
  const dataDir = path.join(base, 'data');
  const sockDir = path.join(base, 'sock');
  mkdirSync(sockDir);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chmodSync(base, 0o755);
    chownSync(base, uid, gid);
    chownSync(sockDir, uid, gid);
  }
  const run = (file: string, args: string[]) => {
    const command = [path.join(bin, file), ...args];
    if (asRoot) {
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command.map(quote).join(' ')], {
        stdio: 'pipe',
      });
    } else {
      execFileSync(command[0]!, command.slice(1), { stdio: 'pipe' });
    }
  };
  run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        path.join(base, 'server.log'),
        '-o',
        `-p ${port} -k ${sockDir} -c listen_addresses=127.0.0.1 -c fsync=${options.durable ? 'on' : 'off'} -c max_connections=200`,
        '-w',
        'start',
      ]);
      break;
    } catch (error) {
      if (attempt >= 2) {
        rmSync(base, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let stopped = false;
  return {
    port,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) throw new Error('bad database name');
      await admin(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    checkpoint: () => admin('CHECKPOINT'),
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  };
}
