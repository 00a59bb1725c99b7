import { joinOptionValues } from '../shared/cli/args';
import { databaseUrlProblem } from './server.files';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createServerLogger } from './log';
import { PostgresSyncStorage } from './storage/storage.postgres';
import { SqliteSyncStorage } from './storage/storage.sqlite';
import type { SyncStorage } from './storage/storage';

/**
 * `npm run server:admin -- <command> [options]`: the operator's view of a sync server's storage.
 * Counts, ids and times only: the storage holds nothing else an operator could read.
 *
 * Storage options are the server's: `--data DIR`, or `--database postgres://...` with the password
 * in `PGPASSWORD` or `--database-password-file F` (never an argument: it would show in `ps`). The
 * storage is opened without migrating; a database of another schema version is refused.
 *
 * Results go to stdout (a table, or `--json`); errors to stderr as JSON lines, exit code 1 (2 for
 * usage). Nothing secret reaches stdout unless asked with `--print`.
 */
const USAGE = `usage: npm run server:admin -- <command> [options]
  workspaces                      every workspace: id, created, devices, deltas, bytes
  devices --workspace ID          the workspace's devices: id, status, created, revoked
  usage                           totals over the storage
  enrolment-code new --file F [--force] [--print]
                                  writes a new random enrolment code to F (mode 0600) for the
                                  server's --enrolment-token-file; prints its SHA-256, the code only with --print
  enrolment-code show-hash --file F
                                  prints the SHA-256 of the code in F (compare deployments without revealing it)
storage (workspaces, devices, usage): --data DIR | --database URL [--database-password-file F]
output: --json for JSON instead of a table`;

const log = createServerLogger();

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** Left-aligned columns with a header row. */
function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

interface Options {
  readonly data?: string | undefined;
  readonly database?: string | undefined;
  readonly 'database-password-file'?: string | undefined;
  readonly workspace?: string | undefined;
  readonly file?: string | undefined;
  readonly force: boolean;
  readonly print: boolean;
  readonly json: boolean;
}

async function openStorage(o: Options): Promise<SyncStorage> {
  if (o.database) {
    // Like the server: a password in the URL would sit in the process list and shell history.
    const problem = databaseUrlProblem(o.database);
    if (problem) fail(problem);
    const passwordFile = o['database-password-file'];
    const password = passwordFile ? readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '') : undefined;
    return PostgresSyncStorage.connect(o.database, {
      maxConnections: 2,
      migrate: false,
      ...(password === undefined ? {} : { password }),
    });
  }
  if (!o.data) fail('--data DIR or --database URL is required');
  const file = path.join(o.data, 'sync.sqlite');
  // Opening a missing file would create an empty database and report it as empty.
  if (!existsSync(file)) fail(`no sync database in ${o.data} (expected sync.sqlite)`);
  return SqliteSyncStorage.open(file, { migrate: false });
}

function sha256Hex(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** The code as the server reads it (`--enrolment-token-file`: the file's text, trimmed). */
function readCode(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

function enrolmentCode(sub: string | undefined, o: Options, out: (text: string) => void): void {
  if (!o.file) fail('--file F is required');
  if (sub === 'show-hash') {
    out(
      o.json
        ? JSON.stringify({ sha256: sha256Hex(readCode(o.file)) }) + '\n'
        : `${sha256Hex(readCode(o.file))}\n`,
    );
    return;
  }
  if (sub !== 'new') fail('enrolment-code takes new or show-hash');
  if (existsSync(o.file) && !o.force) fail(`${o.file} exists: pass --force to replace the code`);
  // 24 random bytes, base64url: 32 characters, well over the server's 16-character minimum.
  const code = randomBytes(24).toString('base64url');
  writeFileSync(o.file, `${code}\n`, { mode: 0o600 });
  // The mode above applies only to a new file; a replaced one keeps its mode unless set again.
  chmodSync(o.file, 0o600);
  const hash = sha256Hex(code);
  if (o.json) {
    out(JSON.stringify({ file: o.file, sha256: hash, ...(o.print ? { code } : {}) }) + '\n');
  } else {
    out(`wrote a new enrolment code to ${o.file} (sha256 ${hash})\n`);
    if (o.print) out(`${code}\n`);
  }
  log.log('info', 'enrolment_code_written', { sha256: hash });
}

async function report(command: string, o: Options, out: (text: string) => void): Promise<void> {
  if (command === 'devices' && !o.workspace) fail('devices needs --workspace ID');
  const storage = await openStorage(o);
  try {
    if (command === 'workspaces') {
      const list = await storage.listWorkspaces();
      if (o.json) return out(JSON.stringify({ workspaces: list }) + '\n');
      return out(
        table(
          ['WORKSPACE', 'CREATED', 'DEVICES', 'ACTIVE', 'DELTAS', 'BYTES'],
          list.map((w) => [
            w.workspaceId,
            iso(w.createdAt),
            String(w.devices),
            String(w.activeDevices),
            String(w.deltas),
            String(w.bytes),
          ]),
        ),
      );
    }
    if (command === 'devices') {
      const devices = await storage.listDevices(o.workspace!);
      if (devices.length === 0) fail(`no workspace ${o.workspace} (or it has no devices)`);
      const rows = devices.map((d) => ({
        deviceId: d.deviceId,
        status: d.status,
        createdAt: d.createdAt,
        revokedAt: d.revokedAt,
        invitedBy: d.invitedBy,
      }));
      if (o.json) return out(JSON.stringify({ workspaceId: o.workspace, devices: rows }) + '\n');
      return out(
        table(
          ['DEVICE', 'STATUS', 'CREATED', 'REVOKED', 'INVITED BY'],
          rows.map((d) => [d.deviceId, d.status, iso(d.createdAt), iso(d.revokedAt), d.invitedBy ?? '-']),
        ),
      );
    }
    const u = await storage.usage(Date.now());
    if (o.json) return out(JSON.stringify({ storage: storage.kind, ...u }) + '\n');
    return out(
      table(
        ['STORAGE', 'WORKSPACES', 'DEVICES', 'ACTIVE', 'REVOKED', 'DELTAS', 'BYTES', 'OPEN INVITES'],
        [
          [
            storage.kind,
            String(u.workspaces),
            String(u.devices),
            String(u.activeDevices),
            String(u.revokedDevices),
            String(u.deltas),
            String(u.bytes),
            String(u.openInvites),
          ],
        ],
      ),
    );
  } finally {
    await storage.close();
  }
}

const OPTIONS = {
  data: { type: 'string' },
  database: { type: 'string' },
  'database-password-file': { type: 'string' },
  workspace: { type: 'string' },
  file: { type: 'string' },
  force: { type: 'boolean', default: false },
  print: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: joinOptionValues(argv, OPTIONS),
    allowPositionals: true,
    strict: true,
    options: OPTIONS,
  });
  const out = (text: string) => void process.stdout.write(text);
  const [command, sub, ...rest] = positionals;
  if (values.help) return out(`${USAGE}\n`);
  if (command === 'enrolment-code') {
    if (rest.length > 0) fail('too many arguments');
    return enrolmentCode(sub, values, out);
  }
  if (command === 'workspaces' || command === 'devices' || command === 'usage') {
    if (sub !== undefined) fail('too many arguments');
    return report(command, values, out);
  }
  fail(command ? `unknown command ${command}` : 'a command is required');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      // parseArgs' errors name the option, never a value.
      log.log('error', 'usage', { message: error.message });
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
    }
    const code =
      typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
    // AppError messages (schema version refusals) are written for the operator and carry no secrets.
    const message =
      error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.message : null;
    log.log('error', 'admin_failed', { code, message });
    process.exit(1);
  },
);
