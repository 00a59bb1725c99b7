import { KEYCHAIN_SERVICE, KeytarKeychain } from '../electron/services/keychain/keychain.keytar';
import { runEscrowCli } from '../electron/services/vault/escrow.cli';

/** IT's escrow recovery: `tsx tools/escrow-recover.ts keygen|recover ...` (see escrow.cli.ts). */
process.exitCode = await runEscrowCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  keychain: (service) => new KeytarKeychain(service ?? KEYCHAIN_SERVICE),
});
