import { AppError } from '../../../shared/errors';
import { channelNames, type ChannelName } from '../../../shared/ipc/contract';
import type { Handlers } from '../../../electron/services/ipc/router';
import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import type { SenderInfo } from '../../../electron/services/ipc/router';
import { silentLogger } from '../../../electron/services/log/logger';
import { MemoryKeychain } from '../../../electron/services/keychain/keychain.memory';
import { MemoryPolicySource } from '../../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../../electron/services/sync/server.confirmation';
import { createServices, type ServiceOptions } from '../../../electron/services/services';
import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';

/** A sender the test policy trusts. */
export const testSender: SenderInfo = { transport: 'test', url: 'test://local', isMainFrame: true };

/**
 * Services with a policy that trusts `testSender`, writing under `dataDir`. The in-memory keychain is
 * for router-level tests only; vault tests use the real Secret Service. No managed policy unless
 * `overrides.policy` gives a source.
 */
export function createTestServices(dataDir: string, overrides: Partial<ServiceOptions> = {}) {
  return createServices({
    dataDir,
    appInfo: { name: 'FieldVault', version: '0.0.0-test', platform: 'linux' },
    logger: silentLogger,
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    keychain: new MemoryKeychain(),
    policy: new MemoryPolicySource(),
    serverConfirmation: allowListConfirmation(),
    authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
    ...overrides,
  });
}

/** A complete handler map whose handlers all fail, with `overrides` for the channels a test uses. */
export function stubHandlers(overrides: Partial<Handlers>): Handlers {
  const failing = Object.fromEntries(
    channelNames.map((name) => [
      name,
      (): never => {
        throw new AppError('INTERNAL', `${name} is not used in this test`);
      },
    ]),
  ) as Record<ChannelName, () => never>;
  return { ...failing, ...overrides };
}
