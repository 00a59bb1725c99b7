import type { vaultChannels } from '../../../shared/ipc/channels/vault.channels';
import { AppError } from '../../../shared/errors';
import type { MigrationSet } from '../db/migrate';
import type { Keychain } from '../keychain/keychain';
import type { ModuleContext, ServiceModule } from '../module';
import type { VaultAccess } from './vault.access';

export type VaultChannelName = keyof typeof vaultChannels;

/** The vault: lifecycle channels and the database handle other modules use. */
export function createVaultModule(
  _ctx: ModuleContext,
  _options: { keychain: Keychain; migrations: readonly MigrationSet[] },
): ServiceModule<VaultChannelName> & { access: VaultAccess } {
  const access: VaultAccess = {
    db() {
      throw new AppError('VAULT_NOT_SET_UP', 'The vault is not set up');
    },
    isUnlocked: () => false,
    onUnlocked: () => () => undefined,
    onLocking: () => () => undefined,
  };
  return { handlers: {}, access };
}
