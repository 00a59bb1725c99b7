import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSyncServer } from './app';
import { createServerLogger } from './log';
import { createSyncMetrics, startMetricsServer } from './metrics';
import { PostgresSyncStorage } from './storage/storage.postgres';
import { SqliteSyncStorage } from './storage/storage.sqlite';
import type { SyncStorage } from './storage/storage';
import { databasePassword, databaseUrlProblem, narrowSqliteFiles, prepareSqliteFile } from './server.files';
import { describeTrustProxy, parseTrustProxy, TrustProxyError, type TrustProxy } from './trust-proxy';

/**
 * `npm run server -- --data DIR [--port N] [--host H] [--database postgres://... [--database-password-file F]]
 *   [--tls-cert F --tls-key F] [--trust-proxy HOPS|ADDR[,CIDR...]] [--enrolment-token-file F | --open-enrolment]
 *   [--metrics-port N [--metrics-host H]] [--shutdown-timeout-ms N]`
 *
 * Off loopback, creating a workspace needs the enrolment code unless `--open-enrolment` says
 * otherwise. The PostgreSQL password comes from `--database-password-file` or `PGPASSWORD`, never
 * the URL. Files the server writes are 0600 (umask 077 plus an explicit chmod).
 *
 * Prints one JSON ready line on stdout (`{"event":"ready","url":...}`), logs JSON lines to stderr.
 * Listens on 127.0.0.1 by default and refuses plain HTTP on any address that is not loopback.
 * Metrics are off unless `--metrics-port` is given, and then bound to loopback unless
 * `--metrics-host` says otherwise: they never share the public API port.
 * On SIGTERM/SIGINT: stop accepting, wake long-polls, let in-flight requests finish, close storage,
 * exit 0; exit 1 if that takes longer than `--shutdown-timeout-ms` (default 10 s).
 */
const log = createServerLogger();
/** Baked in by deploy/bundle-server.mjs; `dev` when run from source. */
const VERSION = process.env.FIELDVAULT_VERSION ?? 'dev';
const USAGE =
  'usage: npm run server -- --data DIR [--port N] [--host H] [--database postgres://... [--database-password-file F]] ' +
  '[--tls-cert F --tls-key F] [--trust-proxy HOPS|ADDR[,CIDR...]] [--enrolment-token-file F | --open-enrolment] ' +
  '[--metrics-port N [--metrics-host H]] [--shutdown-timeout-ms N]';

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function usage(message: string): never {
  log.log('error', 'usage', { message });
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  // Before anything is opened: whatever the server creates is readable by its own user only.
  process.umask(0o077);
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      database: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'enrolment-token-file': { type: 'string' },
      'open-enrolment': { type: 'boolean', default: false },
      'database-password-file': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string', default: '127.0.0.1' },
      'shutdown-timeout-ms': { type: 'string', default: '10000' },
    },
    strict: true,
  });
  if (!values.data && !values.database) usage('--data DIR is required (or --database postgres://...)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage('--port must be 0-65535');
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535))
    usage('--metrics-port must be 0-65535');
  const shutdownTimeoutMs = Number(values['shutdown-timeout-ms']);
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 1)
    usage('--shutdown-timeout-ms must be a positive integer');
  if (values['database-password-file'] && !values.database)
    usage('--database-password-file goes with --database');
  if (values.database) {
    const problem = databaseUrlProblem(values.database);
    if (problem) usage(problem);
  }
  let trustProxy: TrustProxy | undefined;
  if (values['trust-proxy'] !== undefined) {
    try {
      trustProxy = parseTrustProxy(values['trust-proxy']);
    } catch (error) {
      if (error instanceof TrustProxyError) usage(error.message);
      throw error;
    }
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
    usage('--tls-cert and --tls-key go together');
  const tls =
    values['tls-cert'] && values['tls-key']
      ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) }
      : undefined;
  if (!tls && !isLoopback(values.host)) {
    usage('plain HTTP is served only on loopback; pass --tls-cert and --tls-key to listen elsewhere');
  }

  // A file, not an argument: the code must not show in the process list.
  const enrolmentToken = values['enrolment-token-file']
    ? readFileSync(values['enrolment-token-file'], 'utf8').trim()
    : undefined;
  if (enrolmentToken !== undefined && enrolmentToken.length < 16)
    usage('the enrolment token must be at least 16 characters');
  if (enrolmentToken !== undefined && values['open-enrolment'])
    usage('--open-enrolment and --enrolment-token-file contradict each other; pass one');
  if (enrolmentToken === undefined && !values['open-enrolment'] && !isLoopback(values.host)) {
    usage(
      `listening on ${values.host} (not loopback) needs --enrolment-token-file F, so that only people ` +
        'IT gave the code to can create workspaces; pass --open-enrolment to let anyone who reaches the server create one',
    );
  }
  if (values['open-enrolment'] && !isLoopback(values.host)) {
    log.log('warn', 'open_enrolment', { host: values.host });
  }

  // A file or PGPASSWORD, never argv: a password in the URL would show in the process list and crash reports.
  const { password, source: passwordSource } = values.database
    ? databasePassword(values['database-password-file'], process.env)
    : { password: undefined, source: 'none' as const };

  const sqliteFile = values.database ? undefined : path.join(values.data!, 'sync.sqlite');
  if (sqliteFile) prepareSqliteFile(sqliteFile);
  // pg lets a password-less URL override an explicit `password` option with '' and then reads
  // PGPASSWORD, so a password from the file reaches it through this process's environment (never argv).
  if (password !== undefined) process.env.PGPASSWORD = password;
  const storage: SyncStorage = values.database
    ? await PostgresSyncStorage.connect(values.database, password === undefined ? {} : { password })
    : SqliteSyncStorage.open(sqliteFile!);
  // The -wal and -shm SQLite just created follow the database's mode; this also covers old ones.
  if (sqliteFile) narrowSqliteFiles(sqliteFile);
  if (values.database) log.log('info', 'database_password', { source: passwordSource });
  const metrics =
    metricsPort === undefined
      ? undefined
      : createSyncMetrics({ storageKind: storage.kind, version: VERSION });
  const app = await createSyncServer({
    storage,
    logger: log,
    tls,
    ...(trustProxy ? { trustProxy } : {}),
    ...(enrolmentToken ? { enrolmentToken } : {}),
    ...(metrics ? { metrics } : {}),
  });
  const metricsServer =
    metrics && metricsPort !== undefined
      ? await startMetricsServer(metrics, { host: values['metrics-host'], port: metricsPort })
      : undefined;
  if (metricsServer) {
    if (!isLoopback(values['metrics-host'])) {
      // Allowed (a container's scraper is on another host), but never silently.
      log.log('warn', 'metrics_not_loopback', { host: values['metrics-host'] });
    }
    log.log('info', 'metrics_listening', { url: metricsServer.url });
  }
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const hostForUrl = values.host.includes(':') ? `[${values.host}]` : values.host;
  const url = `${tls ? 'https' : 'http'}://${hostForUrl}:${actualPort}`;
  process.stdout.write(
    JSON.stringify({
      event: 'ready',
      url,
      storage: storage.kind,
      pid: process.pid,
      ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    }) + '\n',
  );
  log.log('info', 'listening', {
    url,
    storage: storage.kind,
    version: VERSION,
    trustProxy: describeTrustProxy(trustProxy),
    enrolment: enrolmentToken ? 'code' : 'open',
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    log.log('info', 'stopping', { signal, timeoutMs: shutdownTimeoutMs });
    setTimeout(() => {
      log.log('error', 'shutdown_timeout', { timeoutMs: shutdownTimeoutMs });
      process.exit(1);
    }, shutdownTimeoutMs).unref();
    // app.close() stops accepting, wakes long-polls (they answer `changed: false`) and waits for in-flight requests.
    app
      .close()
      .then(() => metricsServer?.close())
      .then(() => storage.close())
      .then(
        () => {
          log.log('info', 'stopped', { signal, ms: Date.now() - started });
          process.exit(0);
        },
        (error: unknown) => {
          log.log('error', 'shutdown_failed', { code: errorCode(error) });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
}

main().catch((error: unknown) => {
  log.log('error', 'startup_failed', { code: errorCode(error) });
  process.exit(1);
});
