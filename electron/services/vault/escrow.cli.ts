import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../../../shared/errors';
import type { Keychain } from '../keychain/keychain';
import { renameDurable } from './vault.files';
import { generateEscrowKeyPair, parseEscrowPrivateKeyFile } from './vault.escrow';
import { cloneKeySet, zeroKeySet } from './vault.keyset';
import { VaultKeystore } from './vault.keystore';
import { VaultLayout } from './vault.layout';
import {
  generateRecoveryCode,
  newKek,
  RECOVERY_KDF,
  writeRecoveryFile,
  type ScryptParams,
} from './vault.recovery';
import { writeOnboarding } from './vault.renew';
import { UnlockerStore } from './vault.unlockers';

export interface EscrowCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The keychain `--to-keychain` writes to (keytar under the app's service name in the tool). */
  readonly keychain: (service: string | undefined) => Keychain;
  /** Recovery-code KDF cost (tests lower it). */
  readonly recoveryKdf?: ScryptParams;
}

const USAGE = `usage:
  escrow-recover keygen --out PRIVATE_KEY_FILE
      Creates the organisation's escrow key pair. Writes the private key (mode 0600, never over an
      existing file) and prints the public key for the policy's escrowKey.
  escrow-recover recover --key PRIVATE_KEY_FILE --vault DIR --to-keychain [--service NAME]
      Puts the vault's unlock key back into this user's OS keychain: the app then opens as usual.
  escrow-recover recover --key PRIVATE_KEY_FILE --vault DIR --new-recovery-code OUT_FILE
      Replaces the vault's recovery code: the new code goes to OUT_FILE (mode 0600), never stdout.
DIR is the app's data directory or its vault/ directory. Run it while the app is closed.
`;

/** The layout for a data directory or its `vault/` subdirectory. */
function layoutFor(dir: string): VaultLayout {
  const resolved = path.resolve(dir);
  const asVault = existsSync(path.join(resolved, 'manifest.json'));
  return new VaultLayout(asVault ? path.dirname(resolved) : resolved);
}

/**
 * The organisation's side of the escrow unlocker: key generation and recovery of a vault whose user
 * lost every other unlocker. Prints nothing secret: the private key and a new recovery code go only
 * to files the operator names, created with mode 0600. Returns the exit code.
 */
export async function runEscrowCli(argv: readonly string[], io: EscrowCliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        out: { type: 'string' },
        key: { type: 'string' },
        vault: { type: 'string' },
        service: { type: 'string' },
        'to-keychain': { type: 'boolean' },
        'new-recovery-code': { type: 'string' },
      },
      strict: true,
    });
    if (command === 'keygen' && values.out) {
      const pair = generateEscrowKeyPair();
      writeFileSync(values.out, pair.privateKeyFile, { mode: 0o600, flag: 'wx' });
      io.stdout(JSON.stringify({ ok: true, escrowKey: pair.publicKey, privateKeyFile: values.out }) + '\n');
      return 0;
    }
    const toKeychain = values['to-keychain'] === true;
    const codeFile = values['new-recovery-code'];
    if (command !== 'recover' || !values.key || !values.vault || toKeychain === (codeFile !== undefined)) {
      io.stderr(USAGE);
      return 2;
    }
    const layout = layoutFor(values.vault);
    const m = layout.requireManifest();
    const secret = parseEscrowPrivateKeyFile(readFileSync(values.key, 'utf8'));
    let unlockKey: Uint8Array;
    try {
      unlockKey = new UnlockerStore(layout, Date.now).openEscrow(m.vaultId, secret);
    } finally {
      secret.fill(0);
    }
    const keystore = new VaultKeystore(io.keychain(values.service), layout);
    if (toKeychain) {
      zeroKeySet(await keystore.loadWithUnlockKey(m.vaultId, unlockKey));
      keystore.forget();
      io.stdout(JSON.stringify({ ok: true, vaultId: m.vaultId, restored: 'keychain' }) + '\n');
      return 0;
    }
    try {
      const set = keystore.unwrapWith(m.vaultId, unlockKey);
      const code = generateRecoveryCode();
      const params = io.recoveryKdf ?? RECOVERY_KDF;
      const { kek, salt } = await newKek(code, params);
      const next = cloneKeySet({ keys: set.keys, kek });
      zeroKeySet(set);
      kek.fill(0);
      // The renewal order of the app (see renewRecoveryCode): new wrap beside the old, then the key
      // set's record of the wrapping key, then the swap; an interrupted run settles at the next open.
      const nextFile = layout.recoveryFile + '.next';
      writeRecoveryFile(nextFile, m.vaultId, next, next.kek!, salt, params);
      keystore.wrapWith(m.vaultId, next, unlockKey);
      writeFileSync(codeFile!, code + '\n', { mode: 0o600, flag: 'wx' });
      renameDurable(nextFile, layout.recoveryFile);
      writeOnboarding(layout, false);
      zeroKeySet(next);
      io.stdout(JSON.stringify({ ok: true, vaultId: m.vaultId, restored: 'recovery-code', codeFile }) + '\n');
      return 0;
    } finally {
      unlockKey.fill(0);
    }
  } catch (error) {
    const code = error instanceof AppError ? error.code : 'ERROR';
    const message = error instanceof AppError ? error.message : 'unexpected failure (see the arguments)';
    io.stderr(JSON.stringify({ ok: false, code, message }) + '\n');
    return 1;
  }
}
