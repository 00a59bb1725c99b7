import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevHost, type DevHost } from '../../../electron/devhost/host';
import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../electron/services/policy/policy.memory';
import { createServices } from '../../../electron/services/services';
import { allowListConfirmation } from '../../../electron/services/sync/server.confirmation';
import { RpcClient } from '../support/rpc-client';
import { tempDir } from '../support/tmp';
import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';

let host: DevHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

async function start(): Promise<DevHost> {
  const dir = tempDir('fv-devhost-i-');
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><html><head></head><body></body></html>',
  );
  const bridgeFile = path.join(dir, 'bridge.js');
  writeFileSync(bridgeFile, '/* bridge */');
  host = await startDevHost({
    rendererDir,
    bridgeFile,
    port: 0,
    createServices: (origin) =>
      createServices({
        dataDir: path.join(dir, 'data'),
        appInfo: { name: 'FieldVault', version: '0.0.0-test', platform: 'linux' },
        logger: silentLogger,
        isTrustedSender: createSenderPolicy({ devHostOrigin: origin }),
        keychain: new MemoryKeychain(),
        policy: new MemoryPolicySource(),
        serverConfirmation: allowListConfirmation(),
        authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
      }),
  });
  return host;
}

const ROWS = 12_000;
const csv = ['Name,Email', ...Array.from({ length: ROWS }, (_, i) => `Person ${i},p${i}@example.com`)].join(
  '\r\n',
);

describe('a long import over the dev host', () => {
  it('answers other calls while it checks the file (they return before the import does)', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    await client.call('vault.setup');
    const order: string[] = [];
    const importing = client.call('import.commit', { csv, importId: 'big1' }).then((r) => {
      order.push('import');
      return r;
    });
    const pings = Array.from({ length: 3 }, () => client.call('app.info').then(() => order.push('app.info')));
    const [result] = await Promise.all([importing, ...pings]);
    expect(result.result).toMatchObject({ created: ROWS });
    expect(order.indexOf('app.info')).toBeLessThan(order.indexOf('import'));
    client.close();
  });

  it('stops on import.cancel before anything is written', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    await client.call('vault.setup');
    const importing = client.call('import.commit', { csv, importId: 'big2' });
    const cancel = await client.call('import.cancel', { importId: 'big2' });
    expect(cancel.result).toEqual({ cancelled: true });
    expect((await importing).error).toMatchObject({ code: -32000, data: { code: 'IMPORT_CANCELLED' } });
    const list = await client.call('contacts.list', { limit: 1 });
    expect(list.result).toMatchObject({ items: [], total: 0 });
    // Not running any more: a second cancel says so.
    expect((await client.call('import.cancel', { importId: 'big2' })).result).toEqual({ cancelled: false });
    client.close();
  });

  it('writes nothing when the vault locks while the file is checked', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    await client.call('vault.setup');
    const importing = client.call('import.commit', { csv, importId: 'big3' });
    expect((await client.call('vault.lock')).error).toBeUndefined();
    expect((await importing).error).toMatchObject({ data: { code: 'VAULT_LOCKED' } });
    expect((await client.call('vault.unlock')).error).toBeUndefined();
    expect((await client.call('contacts.list', { limit: 1 })).result).toMatchObject({ items: [], total: 0 });
    client.close();
  });
});
