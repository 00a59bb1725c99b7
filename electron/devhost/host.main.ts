import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FileScriptedAuthenticator } from '../services/auth/auth.scripted';
import { createPlatformAuthenticator } from '../services/auth/auth.platform';
import { UnsupportedAuthenticator, type OsAuthenticator } from '../services/auth/os-authenticator';
import { allowListConfirmation } from '../services/sync/server.confirmation';
import { platformOf } from '../services/app/app.handlers';
import { createSenderPolicy } from '../services/ipc/sender-policy';
import { createAppKeychain } from '../services/keychain/keychain.platform';
import { createLogger } from '../services/log/logger';
import { FilePolicySource } from '../services/policy/policy.linux';
import { createPlatformPolicySource } from '../services/policy/policy.platform';
import { createServices } from '../services/services';
import { FileSessionSignals } from '../services/vault/vault.session';
import { startDevHost } from './host';

const USAGE = `usage: npm run host -- --data DIR [--port N] [--policy FILE] [--allow-server ORIGIN]…
       [--auth-script FILE | --os-auth | --no-os-auth] [--session-script FILE] [--idle-poll-ms N]
`;

/**
 * `npm run host -- --data DIR [--port N] [--policy FILE]`: runs the real services behind the dev host
 * and prints one JSON ready line on stdout with the page URL and the RPC URL. Logs go to stderr.
 * `--policy FILE` reads managed policy from FILE (watched) instead of the platform's source; the file
 * may belong to the user running the host (the shipped app accepts only a root-owned file).
 *
 * The OS user check is an explicit choice, exactly one of:
 * - `--auth-script FILE`: each check (unlock and every sensitive action) reads FILE (`ok`,
 *   `AUTH_DENIED`, `AUTH_CANCELLED` or `AUTH_UNAVAILABLE`; missing or anything else answers
 *   `AUTH_UNAVAILABLE`) and appends its reason to `FILE.log`, so a test outside the process refuses
 *   prompts and counts them;
 * - `--os-auth`: the platform's own check (polkit `auth_self` on Linux);
 * - `--no-os-auth` (the default when none is given): no OS check; the vault opens from the keychain
 *   alone unless IT's policy requires the check, which then fails with `AUTH_UNAVAILABLE`. The host
 *   warns on stderr and says `"osCheck": "none"` in its ready line.
 *
 * `--session-script FILE` lets main lock on its own as the app's `powerMonitor` does: FILE holds JSON
 * `{"idleSeconds": N, "events": ["suspend" | "lock-screen", …]}`, read every `--idle-poll-ms` (default
 * 5000) for the idle time against the lock timeout; each entry appended to `events` locks at once.
 * Without it main has no idle source in the dev host (the renderer's own timer still runs).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: '0' },
      policy: { type: 'string' },
      // Sync server origins the dev host may enrol with besides loopback (it has no trusted UI to ask).
      'allow-server': { type: 'string', multiple: true },
      'auth-script': { type: 'string' },
      'os-auth': { type: 'boolean', default: false },
      'no-os-auth': { type: 'boolean', default: false },
      'session-script': { type: 'string' },
      'idle-poll-ms': { type: 'string' },
    },
    strict: true,
  });
  const logger = createLogger({ base: { proc: 'devhost' } });
  if (!values.data) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const authChoices = [values['auth-script'] !== undefined, values['os-auth'], values['no-os-auth']];
  if (authChoices.filter(Boolean).length > 1) {
    process.stderr.write('Give at most one of --auth-script, --os-auth and --no-os-auth.\n' + USAGE);
    process.exit(2);
  }
  const idlePollMs = values['idle-poll-ms'] === undefined ? undefined : Number(values['idle-poll-ms']);
  if (idlePollMs !== undefined && (!Number.isInteger(idlePollMs) || idlePollMs < 50 || idlePollMs > 60_000)) {
    process.stderr.write('--idle-poll-ms must be an integer from 50 to 60000\n');
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('--port must be an integer from 0 to 65535\n');
    process.exit(2);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const rendererDir = path.join(root, 'out/renderer');
  const bridgeFile = path.join(root, 'out/devhost/bridge.js');
  if (!existsSync(path.join(rendererDir, 'index.html')) || !existsSync(bridgeFile)) {
    process.stderr.write('The renderer is not built: run `npm run build` first.\n');
    process.exit(2);
  }
  const dataDir = path.resolve(values.data);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    productName: string;
    version: string;
  };
  const policy = values.policy
    ? new FilePolicySource({ path: path.resolve(values.policy), allowNonRootOwner: true })
    : createPlatformPolicySource(process.platform);
  const authenticator = chooseAuthenticator(values['auth-script'], values['os-auth']);
  if (authenticator.kind === 'unsupported') {
    process.stderr.write(
      'devhost: no OS user check (--no-os-auth): the vault opens from the keychain alone. ' +
        'Use --auth-script FILE or --os-auth to test the check.\n',
    );
  }
  const sessionFile = values['session-script'];
  const host = await startDevHost({
    rendererDir,
    bridgeFile,
    port,
    createServices: (origin) =>
      createServices({
        dataDir,
        appInfo: { name: pkg.productName, version: pkg.version, platform: platformOf(process.platform) },
        logger,
        isTrustedSender: createSenderPolicy({ devHostOrigin: origin }),
        keychain: createAppKeychain(),
        policy,
        serverConfirmation: allowListConfirmation(values['allow-server'] ?? []),
        authenticator,
        ...(sessionFile ? { session: new FileSessionSignals(path.resolve(sessionFile)) } : {}),
        ...(idlePollMs !== undefined ? { tuning: { autoLockPollMs: idlePollMs } } : {}),
      }),
  });
  const osCheck = authenticator.kind === 'unsupported' ? 'none' : authenticator.kind;
  process.stdout.write(
    JSON.stringify({ event: 'ready', pageUrl: host.pageUrl, rpcUrl: host.rpcUrl, osCheck }) + '\n',
  );
  logger.log('info', 'devhost.ready', { origin: host.origin, osCheck });
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** The OS check the flags chose; never a silent default (see the usage above). */
function chooseAuthenticator(script: string | undefined, osAuth: boolean): OsAuthenticator {
  if (script !== undefined) return new FileScriptedAuthenticator(path.resolve(script));
  if (osAuth) return createPlatformAuthenticator(process.platform);
  return new UnsupportedAuthenticator('The dev host was started without an OS user check (--no-os-auth)');
}

main().catch((error: unknown) => {
  process.stderr.write(`devhost failed to start: ${error instanceof Error ? error.name : 'error'}\n`);
  process.exit(1);
});
