import { createSenderPolicy } from '../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../electron/services/keychain/keychain.memory';
import { MemoryPolicySource } from '../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../electron/services/sync/server.confirmation';
import { silentLogger } from '../../electron/services/log/logger';
import { createServices } from '../../electron/services/services';
import { median, result, type BenchSuite } from './bench.types';
import { UnsupportedAuthenticator } from '../../electron/services/auth/os-authenticator';

/** Cost of the IPC router (sender check, parse, handler, output parse) against calling the handler directly. */
export const ipcBench: BenchSuite = {
  name: 'ipc',
  async run({ dir, quick }) {
    const services = createServices({
      dataDir: dir,
      appInfo: { name: 'FieldVault', version: 'bench', platform: 'linux' },
      logger: silentLogger,
      isTrustedSender: createSenderPolicy({ allowTestSender: true }),
      keychain: new MemoryKeychain(),
      policy: new MemoryPolicySource(),
      serverConfirmation: allowListConfirmation(),
      authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
    });
    const sender = { transport: 'test', url: 'bench://', isMainFrame: true } as const;
    const n = quick ? 5_000 : 50_000;
    const direct = () => ({ name: 'FieldVault', version: 'bench', platform: 'linux' });
    const routed: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      for (let i = 0; i < n; i++) await services.router.dispatch('app.info', undefined, sender);
      routed.push(n / ((performance.now() - t) / 1000));
      t = performance.now();
      for (let i = 0; i < n; i++) await Promise.resolve(direct());
      plain.push(n / ((performance.now() - t) / 1000));
    }
    await services.dispose();
    return [result('ipc.dispatch app.info', median(routed), 'calls/s', median(plain))];
  },
};
