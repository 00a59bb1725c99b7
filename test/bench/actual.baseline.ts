import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/ports';

const home = path.join(import.meta.dirname, 'actual');
/** Actual's processes may hold a whole history in memory; the machine has room, so they get it. */
const HEAP = '--max-old-space-size=8192';
const PASSWORD = 'bench-password';

/** What Actual's new device did: seconds to download and apply the full history, and its rows. */
export interface ActualJoin {
  readonly seconds: number;
  readonly transactions: number;
  readonly payees: number;
  readonly messages: number;
}

/**
 * Actual's client could not take the history in at all: it reads a sync response into one string,
 * and past Node's string limit (about 5M messages of this workload) `downloadBudget` fails.
 */
export class ActualCannotDownload extends Error {}

/**
 * Installs the pinned Actual Budget (test/bench/actual/package-lock.json) on first use, from the
 * npm registry. Its native modules build from source: npm runs no install script it was not told to.
 */
function ensureInstalled(log: (m: string) => void): void {
  if (existsSync(path.join(home, 'node_modules', '@actual-app', 'api', 'package.json'))) return;
  log('actual: installing @actual-app/api and @actual-app/sync-server 26.9.0 (first run only)');
  for (const args of [
    ['ci', '--no-audit', '--no-fund'],
    ['rebuild', 'better-sqlite3', 'bcrypt', 'argon2'],
  ]) {
    const run = spawnSync('npm', args, { cwd: home, stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error(`npm ${args[0]} for Actual failed (${run.status ?? run.signal})`);
  }
}

/** Runs one of the scripts in test/bench/actual and parses its last output line. */
function script<T>(name: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEAP, path.join(home, name), ...args], {
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    // Only the tail is kept: enough to say why Actual failed, not a whole run's chatter.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (err = (err + chunk).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) {
        const message = `actual ${name} exited (${code ?? signal}): ${err.trim() || 'no output'}`;
        return reject(
          err.includes('ERR_STRING_TOO_LONG') ? new ActualCannotDownload(message) : new Error(message),
        );
      }
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`actual ${name} printed no result line`));
      }
    });
  });
}

/**
 * Actual Budget's full-history download, measured the way the snapshot bench measures a replay: a
 * real Actual sync server process holds the same workload (contacts as payees created and renamed
 * once, deals as transactions with three category moves, activities as transactions), and a new
 * device's `downloadBudget` is timed from the call until the budget is loaded and synced.
 */
export async function actualFullHistory(
  dir: string,
  sizes: { contacts: number; deals: number; activities: number },
  log: (m: string) => void,
): Promise<ActualJoin> {
  ensureInstalled(log);
  const root = path.join(dir, 'actual');
  for (const sub of ['server', 'owner', 'device']) mkdirSync(path.join(root, sub), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    [HEAP, path.join(home, 'node_modules/@actual-app/sync-server/build/bin/actual-server.js')],
    {
      cwd: home,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: {
        ...process.env,
        ACTUAL_DATA_DIR: path.join(root, 'server'),
        ACTUAL_PORT: String(port),
        ACTUAL_HOSTNAME: '127.0.0.1',
        ACTUAL_UPLOAD_FILE_SYNC_SIZE_LIMIT_MB: '2000',
        ACTUAL_UPLOAD_FILE_SIZE_LIMIT_MB: '2000',
      },
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server.stdout.setEncoding('utf8');
      server.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('Listening on')) resolve();
      });
      server.once('exit', (code) => reject(new Error(`the Actual server exited (${code})`)));
    });
    const boot = await fetch(`${url}/account/bootstrap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    if (!boot.ok) throw new Error(`the Actual server refused its bootstrap (${boot.status})`);
    const t = performance.now();
    const made = await script<{ groupId: string; messages: number }>('populate.mjs', [
      url,
      path.join(root, 'owner'),
      PASSWORD,
      String(sizes.contacts),
      String(sizes.deals),
      String(sizes.activities),
    ]);
    log(
      `actual: ${made.messages} messages on its server in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    return await script<ActualJoin>('join.mjs', [url, path.join(root, 'device'), PASSWORD, made.groupId]);
  } finally {
    server.kill('SIGTERM');
  }
}
