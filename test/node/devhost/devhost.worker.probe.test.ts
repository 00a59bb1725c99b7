import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';
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

let host: DevHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

/** The shipped composition behind the dev host (only the keychain is the in-memory seam). */
async function start(): Promise<DevHost> {
  const dir = tempDir('fv-devhost-w-');
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
        authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
        policy: new MemoryPolicySource(),
        serverConfirmation: allowListConfirmation(),
      }),
  });
  return host;
}

const ROWS = 60_000;
const csv = [
  'Name,Email,Phone,Company',
  ...Array.from(
    { length: ROWS },
    (_, i) => `Person ${i},p${i}@example.com,+49 30 ${1_000_000 + i},Firm ${i % 100}`,
  ),
].join('\r\n');

describe('the dev host during a large import (probe)', () => {
  it('answers every app.info fired while the import checks and writes, before the import returns', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    await client.call('vault.setup');
    const order: string[] = [];
    const probes: Promise<unknown>[] = [];
    let writing = 0;
    let finished = false;
    // One probe per progress event while the import is still far from its end: during the check of
    // the file and during its single write transaction (the phase that blocked main before).
    client.ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as {
        method?: string;
        params?: { importId: string; done: number; total: number };
      };
      if (finished || m.method !== 'import.progressed' || m.params?.importId !== 'probe') return;
      const { done, total } = m.params;
      if (done > total / 2) return;
      if (done > 0) writing++;
      const n = probes.length;
      probes.push(client.call('app.info').then((r) => order.push(r.error ? `error ${n}` : `info ${n}`)));
    });
    const result = await client.call('import.commit', { csv, importId: 'probe' });
    finished = true;
    order.push('import');
    await Promise.all(probes);
    expect(result.error).toBeUndefined();
    expect(result.result).toMatchObject({ created: ROWS, skippedRows: 0, skippedDuplicates: 0 });
    // Probes fired in both phases, and every one was answered before the import returned.
    expect(writing).toBeGreaterThan(0);
    expect(probes.length).toBeGreaterThan(writing);
    expect(order.slice(0, probes.length).sort()).toEqual(probes.map((_, i) => `info ${i}`).sort());
    expect(order.at(-1)).toBe('import');
    // Every imported record is there.
    const list = await client.call('contacts.list', { limit: 1 });
    expect(list.result).toMatchObject({ total: ROWS });
    const hit = await client.call('search.query', { q: 'p59999@example.com' });
    expect(JSON.stringify(hit.result)).toContain('Person 59999');
    client.close();
  });
});
