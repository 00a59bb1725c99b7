import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allowListConfirmation } from '../services/sync/server.confirmation';
import { platformOf } from '../services/app/app.handlers';
import { createSenderPolicy } from '../services/ipc/sender-policy';
import { createAppKeychain } from '../services/keychain/keychain.platform';
import { createLogger } from '../services/log/logger';
import { FilePolicySource } from '../services/policy/policy.linux';
import { createPlatformPolicySource } from '../services/policy/policy.platform';
import { createServices } from '../services/services';
import { startDevHost } from './host';

/**
 * `npm run host -- --data DIR [--port N] [--policy FILE]`: runs the real services behind the dev host
 * and prints one JSON ready line on stdout with the page URL and the RPC URL. Logs go to stderr.
 * `--policy FILE` reads managed policy from FILE (watched) instead of the platform's source; the file
 * may belong to the user running the host (the shipped app accepts only a root-owned file).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: '0' },
      policy: { type: 'string' },
      // Sync server origins the dev host may enrol with besides loopback (it has no trusted UI to ask).
      'allow-server': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const logger = createLogger({ base: { proc: 'devhost' } });
  if (!values.data) {
    process.stderr.write('usage: npm run host -- --data DIR [--port N] [--policy FILE]\n');
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
      }),
  });
  process.stdout.write(JSON.stringify({ event: 'ready', pageUrl: host.pageUrl, rpcUrl: host.rpcUrl }) + '\n');
  logger.log('info', 'devhost.ready', { origin: host.origin });
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

main().catch((error: unknown) => {
  process.stderr.write(`devhost failed to start: ${error instanceof Error ? error.name : 'error'}\n`);
  process.exit(1);
});
