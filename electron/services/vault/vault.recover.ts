import { AppError } from '../../../shared/errors';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import { zeroKeySet, type KeySet, type VaultKey } from './vault.keyset';
import type { VaultKeystore } from './vault.keystore';
import type { VaultLayout } from './vault.layout';
import { openAny } from './vault.open';
import { RecoveryThrottle, unwrapWithCode } from './vault.recovery';

/** What recovering with a typed code needs of the service. */
export interface RecoverDeps {
  readonly layout: VaultLayout;
  readonly keystore: VaultKeystore;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * The key set a typed recovery code unwraps, proven to open the database and stored in the keychain
 * (the key the file uses first), ready for `openChecked`. A wrong code counts against the persisted
 * throttle and answers RECOVERY_CODE_INVALID with the wait; `lockOpen` closes an open vault before
 * the file is opened to prove the keys. The caller owns the returned set; on failure every key is
 * zeroed.
 */
export async function keysFromRecoveryCode(
  deps: RecoverDeps,
  vaultId: string,
  typedCode: string,
  lockOpen: () => void,
): Promise<KeySet> {
  const throttle = new RecoveryThrottle(deps.layout.attemptsFile, deps.now);
  throttle.check();
  let set: KeySet;
  try {
    set = await unwrapWithCode(deps.layout.recoveryFile, vaultId, typedCode);
  } catch (error) {
    if (error instanceof AppError && /does not open/.test(error.message)) {
      const wait = throttle.fail();
      deps.logger.log('warn', 'vault.recoveryFailed', { vaultId });
      throw new AppError(
        'RECOVERY_CODE_INVALID',
        `This recovery code does not open this vault. Check it and try again in ${Math.ceil(wait / 1000)} s.`,
      );
    }
    throw error;
  }
  lockOpen();
  // Prove the keys open the database before they replace anything in the keychain.
  let proven: { db: Db; key: VaultKey };
  try {
    proven = openAny(deps.layout.dbFile, set);
  } catch (error) {
    zeroKeySet(set);
    throw error;
  }
  proven.db.close();
  const ordered: KeySet = {
    keys: [proven.key, ...set.keys.filter((k) => k !== proven.key)],
    kek: set.kek,
  };
  try {
    await deps.keystore.store(vaultId, ordered);
  } catch (error) {
    zeroKeySet(ordered);
    throw error;
  }
  throttle.reset();
  return ordered;
}
