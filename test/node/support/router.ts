import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import type { SenderInfo } from '../../../electron/services/ipc/router';
import { silentLogger } from '../../../electron/services/log/logger';
import { createServices, type ServiceOptions } from '../../../electron/services/services';

/** A sender the test policy trusts. */
export const testSender: SenderInfo = { transport: 'test', url: 'test://local', isMainFrame: true };

/** Services with a policy that trusts `testSender`, writing under `dataDir`. */
export function createTestServices(dataDir: string, overrides: Partial<ServiceOptions> = {}) {
  return createServices({
    dataDir,
    appInfo: { name: 'FieldVault', version: '0.0.0-test', platform: 'linux' },
    logger: silentLogger,
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    ...overrides,
  });
}
