import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevHost, type DevHost } from '../../../electron/devhost/host';
import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../../electron/services/sync/server.confirmation';
import { createServices } from '../../../electron/services/services';
import { entityKindSchema } from '../../../shared/domain/crm.schemas';
import { MAX_IMPORT_BYTES } from '../../../shared/ipc/channels/crm.channels';
import { events } from '../../../shared/ipc/contract';
import { RPC_MAX_FRAME_BYTES } from '../../../shared/ipc/jsonrpc';
import { RpcClient } from '../support/rpc-client';
import { tempDir } from '../support/tmp';
import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';

// Renderer modules are loaded at run time: the node test project does not type-check renderer code.
interface Resync {
  ALL_ENTITY_KINDS: readonly string[];
  frameTooLarge: (frame: string, limit: number) => boolean;
  nextBackoffMs: (attempt: number) => number;
  resyncPlan: () => readonly {
    channel: string;
    events: readonly string[];
    replay: (value: unknown) => [string, unknown][];
  }[];
}
const { ALL_ENTITY_KINDS, frameTooLarge, nextBackoffMs, resyncPlan } = (await import(
  pathToFileURL(path.resolve('renderer/devhost/bridge.resync.ts')).href
)) as Resync;

let host: DevHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

async function start(): Promise<DevHost> {
  const dir = tempDir('fv-devhost-t-');
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

describe('dev host transport limits', () => {
  it('sizes the frame limit for the largest import the contract allows, as UTF-8 JSON', () => {
    // 20 Mi UTF-16 units of CJK text are 60 MiB of UTF-8, plus the JSON-RPC envelope.
    expect(RPC_MAX_FRAME_BYTES).toBeGreaterThanOrEqual(3 * MAX_IMPORT_BYTES + 64 * 1024);
  });

  it('carries an import preview of several MiB of Chinese text and keeps the connection', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    await client.call('vault.setup');
    // About 6 MiB of UTF-8 in one frame: six times the old 1 MiB limit.
    const filler = '备注内容'.repeat(500);
    const rows = Array.from({ length: 1000 }, (_, i) => `张伟${i},zw${i}@example.cn,${filler}`);
    const csv = ['Name,Email,Other', ...rows].join('\r\n');
    expect(Buffer.byteLength(csv)).toBeGreaterThan(5 * 1024 * 1024);
    const reply = await client.call('import.preview', { csv });
    expect(reply.error).toBeUndefined();
    expect(reply.result).toMatchObject({ rows: 1000, valid: 1000 });
    expect((await client.call('app.info')).result).toMatchObject({ name: 'FieldVault' });
    client.close();
  });
});

describe('dev host bridge helpers', () => {
  it('measures frames in UTF-8 bytes, encoding only frames that could be over', () => {
    expect(frameTooLarge('x'.repeat(10), 30)).toBe(false);
    expect(frameTooLarge('x'.repeat(31), 30)).toBe(true);
    expect(frameTooLarge('张'.repeat(10), 30)).toBe(false);
    expect(frameTooLarge('张'.repeat(11), 30)).toBe(true);
  });

  it('backs off from 200 ms up to 5 s', () => {
    expect(nextBackoffMs(0)).toBe(200);
    expect(nextBackoffMs(1)).toBe(400);
    expect(nextBackoffMs(50)).toBe(5000);
  });

  it('replays every entity kind and only real events after a reconnect', () => {
    expect([...ALL_ENTITY_KINDS].sort()).toEqual([...entityKindSchema.options].sort());
    const plan = resyncPlan();
    for (const step of plan) for (const e of step.events) expect(Object.keys(events)).toContain(e);
    const vault = plan.find((s) => s.channel === 'vault.status')!;
    const unlocked = vault.replay({ state: 'unlocked', vaultId: 'v1', cipher: 'x', schema: {} });
    expect(unlocked.map(([e]) => e)).toEqual(['vault.unlocked', 'records.changed']);
    // The synthetic payloads must pass the event schemas the renderer relies on.
    for (const [e, payload] of unlocked) {
      expect(events[e as keyof typeof events].payload.safeParse(payload).success).toBe(true);
    }
    const locked = vault.replay({ state: 'locked', vaultId: 'v1', cipher: null, schema: null });
    expect(locked.map(([e]) => e)).toEqual(['vault.locked']);
    expect(events['vault.locked'].payload.safeParse(locked[0]![1]).success).toBe(true);
  });
});
