import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDevHost, type DevHost } from '../../../electron/devhost/host';
import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../../electron/services/keychain/keychain.memory';
import { MemoryPolicySource } from '../../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../../electron/services/sync/server.confirmation';
import { silentLogger } from '../../../electron/services/log/logger';
import { createServices } from '../../../electron/services/services';
import { RPC_MAX_FRAME_BYTES } from '../../../shared/ipc/jsonrpc';
import { RpcClient } from '../support/rpc-client';
import { tempDir } from '../support/tmp';
import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';

let host: DevHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

async function start(): Promise<DevHost> {
  const dir = tempDir('fv-devhost-');
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><html><head></head><body></body></html>',
  );
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
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

function refused(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => reject(new Error('connection was accepted')));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('dev host', () => {
  it('serves page and RPC URLs on loopback, both carrying the token', async () => {
    const h = await start();
    const page = new URL(h.pageUrl);
    const rpc = new URL(h.rpcUrl);
    expect(page.hostname).toBe('127.0.0.1');
    expect(rpc.protocol).toBe('ws:');
    expect(page.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(rpc.searchParams.get('token')).toBe(page.searchParams.get('token'));
  });

  it('lists every channel with JSON Schemas in system.describe', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    const reply = await client.call('system.describe');
    const result = reply.result as {
      channels: { name: string; input: unknown; output: { type?: string } }[];
    };
    const appInfo = result.channels.find((c) => c.name === 'app.info');
    expect(appInfo?.output.type).toBe('object');
    expect(appInfo?.input).toBeDefined();
    client.close();
  });

  it('answers a valid call and maps an invalid payload to -32602 with data.code VALIDATION', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    expect((await client.call('app.info')).result).toMatchObject({ name: 'FieldVault', platform: 'linux' });
    const bad = await client.call('app.info', { surprise: 1 });
    expect(bad.error).toMatchObject({ code: -32602, data: { code: 'VALIDATION' } });
    const unknown = await client.call('contacts.nope');
    expect(unknown.error).toMatchObject({ code: -32601, data: { code: 'UNKNOWN_CHANNEL' } });
    client.close();
  });

  it('answers malformed frames with JSON-RPC protocol errors and keeps the connection', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    expect(await client.sendRaw('{not json')).toMatchObject({ error: { code: -32700 } });
    expect(await client.sendRaw('[]')).toMatchObject({ error: { code: -32600 } });
    expect(await client.sendRaw('{"jsonrpc":"1.0","id":7,"method":"app.info"}')).toMatchObject({
      id: 7,
      error: { code: -32600 },
    });
    expect(await client.sendRaw('{"jsonrpc":"2.0","id":{"x":1},"method":"app.info"}')).toMatchObject({
      error: { code: -32600 },
    });
    expect((await client.call('app.info')).result).toBeDefined();
    client.close();
  });

  it('closes the connection on an oversize frame', async () => {
    const client = await RpcClient.connect((await start()).rpcUrl);
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    client.ws.send('x'.repeat(RPC_MAX_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
  });

  it('refuses connections without the token, with a wrong token, or from another origin', async () => {
    const h = await start();
    const url = new URL(h.rpcUrl);
    const noToken = `ws://${url.host}/rpc`;
    const wrongToken = `ws://${url.host}/rpc?token=${'A'.repeat(32)}`;
    expect(await refused(noToken)).toBe(403);
    expect(await refused(wrongToken)).toBe(403);
    expect(await refused(h.rpcUrl, { Origin: 'http://evil.example' })).toBe(403);
    expect(await refused(h.rpcUrl, { Host: 'evil.example' })).toBe(403);
    const ok = await RpcClient.connect(h.rpcUrl, { Origin: h.origin });
    ok.close();
  });

  it('serves the renderer with the CSP and the bridge, and never a file outside it', async () => {
    const h = await start();
    const index = await fetch(h.pageUrl);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<script src="/__devhost/bridge.js"></script>');
    expect((await fetch(`${h.origin}/assets/app.js`)).status).toBe(200);
    for (const probe of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00.js']) {
      const res = await fetch(`${h.origin}${probe}`);
      expect(await res.text()).not.toContain('outside the renderer');
    }
    expect((await fetch(`${h.origin}/missing.js`)).status).toBe(404);
  });
});
