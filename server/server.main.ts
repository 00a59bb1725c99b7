import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSyncServer } from './app';
import { createServerLogger } from './log';
import { PostgresSyncStorage } from './storage/storage.postgres';
import { SqliteSyncStorage } from './storage/storage.sqlite';
import type { SyncStorage } from './storage/storage';

/**
 * `npm run server -- --data DIR [--port N] [--host H] [--database postgres://...] [--tls-cert F --tls-key F] [--trust-proxy] [--enrolment-token-file F]`
 *
 * Prints one JSON ready line on stdout (`{"event":"ready","url":...}`), logs JSON lines to stderr.
 * Listens on 127.0.0.1 by default and refuses plain HTTP on any address that is not loopback.
 */
const log = createServerLogger();

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function usage(message: string): never {
  log.log('error', 'usage', { message });
  process.stderr.write(
    `usage: npm run server -- --data DIR [--port N] [--host H] [--database postgres://...] [--tls-cert F --tls-key F] [--trust-proxy] [--enrolment-token-file F]\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      database: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      'enrolment-token-file': { type: 'string' },
    },
    strict: true,
  });
  if (!values.data && !values.database) usage('--data DIR is required (or --database postgres://...)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage('--port must be 0-65535');
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

  const storage: SyncStorage = values.database
    ? await PostgresSyncStorage.connect(values.database)
    : SqliteSyncStorage.open(path.join(values.data!, 'sync.sqlite'));
  const app = await createSyncServer({
    storage,
    logger: log,
    tls,
    trustProxy: values['trust-proxy'],
    ...(enrolmentToken ? { enrolmentToken } : {}),
  });
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const hostForUrl = values.host.includes(':') ? `[${values.host}]` : values.host;
  const url = `${tls ? 'https' : 'http'}://${hostForUrl}:${actualPort}`;
  process.stdout.write(
    JSON.stringify({ event: 'ready', url, storage: storage.kind, pid: process.pid }) + '\n',
  );
  log.log('info', 'listening', { url, storage: storage.kind });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log('info', 'stopping', { signal });
    app
      .close()
      .then(() => storage.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
  log.log('error', 'startup_failed', { code });
  process.exit(1);
});
