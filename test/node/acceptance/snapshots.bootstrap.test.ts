import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type HostProcess, type ServerProcess } from './support/processes';

/**
 * Issue 12 item 2 acceptance, black box: the real sync server behind a proxy the test controls (a
 * hostile server that also reads its own SQLite file), and dev hosts. A (owner) and B (replays the
 * whole log) share a workspace; A uploads an encrypted snapshot, then edits on. D joins later: while
 * the server serves it a tampered, truncated, reordered, missing or foreign-workspace chunk, or
 * another workspace's manifest, D refuses with SNAPSHOT_REJECTED and keeps its own edit; once the
 * server is honest, D bootstraps from the snapshot (its first pull starts at the snapshot's seq)
 * plus the tail, and ends with exactly B's records.
 */

type Mode = 'honest' | 'tamper' | 'truncate' | 'reorder' | 'missing' | 'foreign-chunk' | 'foreign-manifest';

const cluster = new Cluster();
let server: ServerProcess;
let proxy: Server;
let proxyUrl = '';
let mode: Mode = 'honest';
/** Paths D requested (to see where its first pull started). */
const requests: { device: string; path: string }[] = [];
let foreignWorkspace = '';
let a: HostProcess;
let b: HostProcess;

const serverDb = () => path.join(server.dataDir, 'sync.sqlite');

function readDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(serverDb(), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function chunkOf(workspaceId: string, index: number): Buffer | undefined {
  return readDb((db) =>
    db
      .prepare<[string, number], { chunk: Buffer }>(
        'SELECT c.chunk FROM snapshot_chunks c JOIN snapshots s ON s.workspace_id = c.workspace_id AND s.snapshot_id = c.snapshot_id WHERE c.workspace_id = ? AND c.idx = ?',
      )
      .get(workspaceId, index),
  )?.chunk;
}

function manifestOf(workspaceId: string): { json: string; signature: string } | undefined {
  return readDb((db) =>
    db
      .prepare<[string], { json: string; signature: string }>(
        'SELECT manifest AS json, signature FROM snapshots WHERE workspace_id = ?',
      )
      .get(workspaceId),
  );
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** What the hostile server answers instead, or null to pass the real answer on. */
function hostile(url: URL, workspaceId: string, real: string): string | null {
  const chunkRoute = /\/snapshots\/[^/]+\/chunks$/.test(url.pathname) && url.searchParams.has('index');
  if (mode === 'foreign-manifest' && url.pathname.endsWith('/snapshots/latest'))
    return JSON.stringify({ manifest: manifestOf(foreignWorkspace) });
  if (!chunkRoute) return null;
  const index = Number(url.searchParams.get('index'));
  const answer = JSON.parse(real) as { index: number; chunk: string };
  const bytes = Buffer.from(answer.chunk, 'base64url');
  switch (mode) {
    case 'tamper':
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      return JSON.stringify({ index, chunk: bytes.toString('base64url') });
    case 'truncate':
      return JSON.stringify({ index, chunk: bytes.subarray(0, bytes.length >> 1).toString('base64url') });
    case 'reorder':
      return JSON.stringify({
        index,
        chunk: chunkOf(workspaceId, index === 0 ? 1 : 0)!.toString('base64url'),
      });
    case 'foreign-chunk':
      return JSON.stringify({ index, chunk: chunkOf(foreignWorkspace, 0)!.toString('base64url') });
    default:
      return null;
  }
}

async function startProxy(target: string): Promise<void> {
  proxy = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', target);
      const device = String(request.headers['x-fv-device'] ?? '');
      requests.push({ device, path: url.pathname + url.search });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection')
          headers[k] = v;
      const sent = request.method === 'GET' ? undefined : await body(request);
      if (
        mode === 'missing' &&
        /\/snapshots\/[^/]+\/chunks$/.test(url.pathname) &&
        url.searchParams.get('index') === '1'
      ) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such snapshot chunk' } }));
        return;
      }
      const real = await fetch(url, { method: request.method, headers, body: sent });
      const text = await real.text();
      const workspaceId = /^\/v1\/workspaces\/([^/]+)/.exec(url.pathname)?.[1] ?? '';
      const replaced = real.status === 200 ? hostile(url, workspaceId, text) : null;
      const out: Record<string, string> = { 'content-type': 'application/json' };
      const time = real.headers.get('x-fv-server-time');
      if (time) out['x-fv-server-time'] = time;
      response.writeHead(real.status, out);
      response.end(replaced ?? text);
    })().catch(() => {
      response.writeHead(502);
      response.end();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

async function contacts(host: HostProcess): Promise<unknown[]> {
  const all: { id: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await host.call('contacts.list', { limit: 200, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all.sort((x, y) => (x.id < y.id ? -1 : 1));
}

async function thisDevice(host: HostProcess): Promise<string> {
  return (await host.call('devices.list')).find((d) => d.isThisDevice)!.deviceId;
}

beforeAll(async () => {
  server = await cluster.startServer();
  await startProxy(server.url);
  [a, b] = await Promise.all([cluster.startHost('A'), cluster.startHost('B')]);
  await a.call('vault.setup');
  await a.call('workspace.create', { serverUrl: proxyUrl, name: 'Snapshot team' });
  const { code } = await a.call('invites.create', { ttlHours: 1 });
  await b.call('vault.setup');
  await b.call('invites.accept', { code });
  // Another workspace on the same server, with a snapshot of its own (for the foreign chunk).
  const e = await cluster.startHost('E');
  await e.call('vault.setup');
  foreignWorkspace = (await e.call('workspace.create', { serverUrl: proxyUrl, name: 'Other team' }))
    .workspaceId;
  await e.call('contacts.create', { name: 'Other team contact' });
  await e.call('sync.snapshot');
}, 120_000);

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await cluster.stop();
}, 30_000);

describe('issue 12: a new device bootstraps from an encrypted snapshot', () => {
  it('refuses every hostile variant with a typed error, then ends with the records of a replayed device', async () => {
    // Long notes so the snapshot has several chunks (1 MiB each).
    const notes = 'n'.repeat(9_000);
    const ids: string[] = [];
    for (let i = 0; i < 150; i++)
      ids.push((await a.call('contacts.create', { name: `Snap ${i}`, notes })).id);
    for (let i = 0; i < 20; i++)
      await a.call('contacts.update', { id: ids[i]!, patch: { name: `Renamed ${i}` } });
    await a.call('sync.now');
    const made = await a.call('sync.snapshot');
    expect(made.chunks).toBeGreaterThanOrEqual(2);
    expect(made.seq).toBeGreaterThan(0);
    // The tail: edits after the snapshot.
    for (let i = 0; i < 5; i++) await a.call('contacts.create', { name: `Tail ${i}` });
    await a.call('contacts.update', { id: ids[30]!, patch: { name: 'Renamed after the snapshot' } });
    await a.call('sync.now');
    await b.call('sync.now');
    expect((await b.call('contacts.list', { limit: 1 })).total).toBe(155);

    const d = await cluster.startHost('D');
    await d.call('vault.setup');
    await d.call('contacts.create', { name: 'D local edit' });
    mode = 'tamper';
    const { code } = await a.call('invites.create', { ttlHours: 1 });
    await d.call('invites.accept', { code });
    for (const m of [
      'tamper',
      'truncate',
      'reorder',
      'missing',
      'foreign-chunk',
      'foreign-manifest',
    ] as const) {
      mode = m;
      // sync.now answers the status; the refusal is its typed error.
      const reply = await d.call('sync.now');
      expect(reply.error?.code, m).toBe('SNAPSHOT_REJECTED');
      const list = await d.call('contacts.list', { limit: 10 });
      expect(
        list.items.map((c) => c.name),
        m,
      ).toEqual(['D local edit']);
      expect((await d.call('sync.status')).pending, m).toBeGreaterThan(0);
    }

    mode = 'honest';
    const deviceD = await thisDevice(d);
    const status = await d.call('sync.now');
    expect(status.error).toBeNull();
    expect(status.integrity.state).toBe('ok');
    expect(status.pending).toBe(0);
    const pulls = requests.filter((r) => r.device === deviceD && /\/deltas\?after=/.test(r.path));
    expect(pulls.length).toBeGreaterThan(0);
    expect(pulls[0]!.path).toContain(`after=${made.seq}&`);

    await b.call('sync.now');
    const onB = await contacts(b);
    expect(onB).toHaveLength(156);
    expect(await contacts(d)).toEqual(onB);
  }, 600_000);
});
