import { runReleaseSign } from '../electron/services/update/release.cli';

/** Release pipeline step: `tsx tools/release-sign.ts sign|keygen ...` (see release.cli.ts). */
process.exitCode = await runReleaseSign(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
