import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError } from '../../../shared/errors';
import { UPDATE_CHANNELS } from '../../../shared/update/release.manifest';
import { releasePublicKey, shippedReleaseKeys } from './release.keys';
import { buildManifest, generateReleaseKeyPair, loadReleasePrivateKey, signManifest } from './release.sign';

/**
 * The release-sign command line (tools/release-sign.ts is its entry point):
 *
 *   release-sign sign --version 1.2.0 --channel stable [--minimum-version 1.0.0] [--release-date ISO]
 *       [--key-file key.pem] [--trust <base64 public key>]... --out dist/stable.manifest.json FILE...
 *   release-sign keygen --out release-key.pem
 *
 * `sign` reads the private key from FIELDVAULT_RELEASE_KEY (the PEM text, a CI secret) or --key-file and
 * refuses to write a manifest that does not verify against the keys the app ships (or the --trust keys).
 * `keygen` writes a new private key (mode 0600, never over an existing file) and prints the public key
 * line for build/release-public-key.txt and release.keys.ts.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = 'usage: release-sign sign|keygen --out FILE [options] [files...]';

class UsageError extends Error {}

/** Runs the command; resolves to the process exit code (0 ok, 2 refused or misused). */
export async function runReleaseSign(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (error) {
    // Codes and our own messages only: the key's bytes never reach the output.
    const message =
      error instanceof AppError
        ? `${error.code}: ${error.message}`
        : error instanceof UsageError
          ? error.message
          : 'failed';
    io.stderr(`release-sign: ${message}\n`);
    return 2;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        version: { type: 'string' },
        channel: { type: 'string' },
        'minimum-version': { type: 'string', default: '0.0.0' },
        'release-date': { type: 'string' },
        'key-file': { type: 'string' },
        trust: { type: 'string', multiple: true },
        out: { type: 'string' },
      },
    });
  } catch {
    throw new UsageError(USAGE);
  }
  const { positionals, values } = parsed;
  const [command, ...files] = positionals;
  if (!values.out) throw new UsageError(USAGE);
  if (command === 'keygen') {
    const pair = generateReleaseKeyPair();
    writeFileSync(values.out, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    io.stdout(`${pair.publicKey}\n`);
    return;
  }
  if (command !== 'sign' || files.length === 0 || !values.version) throw new UsageError(USAGE);
  const channel = UPDATE_CHANNELS.find((c) => c === values.channel);
  if (!channel) throw new UsageError(`--channel must be one of ${UPDATE_CHANNELS.join(', ')}`);
  const pem = values['key-file'] ? readFileSync(values['key-file'], 'utf8') : io.env.FIELDVAULT_RELEASE_KEY;
  if (!pem) throw new UsageError('no release key: set FIELDVAULT_RELEASE_KEY or pass --key-file');
  const manifest = await buildManifest({
    version: values.version,
    channel,
    minimumVersion: values['minimum-version'],
    releaseDate: values['release-date'] ?? new Date().toISOString(),
    files,
  });
  const trusted = values.trust ? values.trust.map(releasePublicKey) : shippedReleaseKeys();
  const signed = signManifest(manifest, loadReleasePrivateKey(pem), trusted);
  writeFileSync(values.out, `${JSON.stringify(signed, null, 2)}\n`);
  io.stdout(`${values.out}\n`);
}
