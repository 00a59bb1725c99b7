import type { vaultChannels } from '../../../shared/ipc/channels/vault.channels';
import { AppError } from '../../../shared/errors';
import type { MigrationSet } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from './vault.access';

export type VaultChannelName = keyof typeof vaultChannels;

const notYet = (): never => {
  throw new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
};

/** The vault: lifecycle channels and the database handle other modules use. */
export function createVaultModule(
  _ctx: ModuleContext,
  _options: { keychain: Keychain; migrations: readonly MigrationSet[] },
): ServiceModule<VaultChannelName> & { access: VaultAccess } {
  const access: VaultAccess = {
    db: notYet,
    isUnlocked: () => false,
    onUnlocked: () => () => undefined,
    onLocking: () => () => undefined,
  };
  return {
    access,
    handlers: {
      'vault.status': () => ({ state: 'not_set_up', vaultId: null, cipher: null, schema: null }),
      'vault.setup': notYet,
      'vault.unlock': notYet,
      'vault.lock': notYet,
      'vault.recover': notYet,
      'vault.backup': notYet,
      'vault.listBackups': notYet,
      'vault.restore': notYet,
      'vault.rekey': notYet,
    },
  };
}
