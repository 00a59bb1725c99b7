import { describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../server/app';
import { createSyncMetrics } from '../../../server/metrics';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { tempDir } from '../support/tmp';
import {
  killServersAfterEach,
  logLines,
  parseExposition,
  sampleValue,
  startServerProcess,
  type Sample,
} from './spawn';
import { TestDevice } from './sync-client';

killServersAfterEach();

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; type: string | null }> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  const text = await r.text();
  return { text, samples: parseExposition(text), type: r.headers.get('content-type') };
}

const envelopeBytes = (d: { envelope: string }) => Buffer.from(d.envelope, 'base64url').length;

describe('/metrics on the real server process', () => {
  it('is off by default and never on the API port', async () => {
    const server = await startServerProcess(['--data', tempDir('fv-met-'), '--port', '0']);
    expect(server.metricsUrl).toBeUndefined();
    const r = await fetch(`${server.url}/metrics`);
    expect(r.status).toBe(404);
    expect(logLines(server).some((l) => l.event === 'metrics_listening')).toBe(false);
  });

  it('counts requests, latencies, deltas, bytes and long-polls on a loopback listener; logs every request without secrets', async () => {
    const server = await startServerProcess([
      '--data',
      tempDir('fv-met-'),
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const metricsUrl = server.metricsUrl!;
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);

    const secrets: string[] = [];
    const remember = (a: TestDevice) => {
      secrets.push(a.lastHeaders['x-fv-signature']!, a.lastHeaders['x-fv-nonce']!);
    };
    const a = new TestDevice(server.url);
    await a.createWorkspace();
    remember(a);
    const first = [0, 1, 2].map((i) => a.seal(`MARKER-metrics-${i}-${'x'.repeat(100 * i)}`));
    await a.push(first);
    remember(a);
    await a.push(first); // a retry: three duplicates, nothing appended
    const pulled = await a.pull(0);
    expect(pulled.deltas).toHaveLength(3);

    const wait = a.call(
      'GET',
      syncPath(syncRoutes.wait, { workspaceId: a.workspaceId }, { after: 3, timeoutMs: 30_000 }),
    );
    let held = 0;
    for (let i = 0; i < 100 && held === 0; i++) {
      held = sampleValue((await scrape(metricsUrl)).samples, 'fieldvault_longpolls_active');
      if (held === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(held).toBe(1);
    const second = [a.seal('MARKER-metrics-wake')];
    await a.push(second);
    const woke = await wait;
    expect(woke.status).toBe(200);
    expect(woke.json).toMatchObject({ changed: true, latestSeq: 4 });
    const health = await fetch(`${server.url}/health`);
    const healthId = health.headers.get('x-request-id');
    expect(healthId).toMatch(/^[0-9a-f]{16}$/);

    const { text, samples, type } = await scrape(metricsUrl);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const req = (route: string, status: string) =>
      sampleValue(samples, 'fieldvault_http_requests_total', { route, status });
    expect(req('createWorkspace', '201')).toBe(1);
    expect(req('push', '200')).toBe(3);
    expect(req('pull', '200')).toBe(1);
    expect(req('wait', '200')).toBe(1);
    expect(req('health', '200')).toBe(1);
    expect(req('unmatched', '404')).toBe(1);
    const h = (suffix: string, labels: Record<string, string>) =>
      sampleValue(samples, `fieldvault_http_request_duration_seconds${suffix}`, labels);
    expect(h('_count', { route: 'push', status: '200' })).toBe(3);
    expect(h('_bucket', { route: 'push', status: '200', le: '+Inf' })).toBe(3);
    expect(h('_sum', { route: 'push', status: '200' })).toBeGreaterThan(0);
    // The long-poll waited for the scrape loop and the wake-up push, so it is not in the fastest bucket.
    expect(h('_bucket', { route: 'wait', status: '200', le: '0.005' })).toBe(0);
    expect(h('_bucket', { route: 'wait', status: '200', le: '30' })).toBe(1);
    expect(sampleValue(samples, 'fieldvault_longpolls_active')).toBe(0);
    expect(sampleValue(samples, 'fieldvault_deltas_pushed_total')).toBe(4);
    expect(sampleValue(samples, 'fieldvault_push_duplicates_total')).toBe(3);
    expect(sampleValue(samples, 'fieldvault_delta_bytes_pushed_total')).toBe(
      [...first, ...second].reduce((n, d) => n + envelopeBytes(d), 0),
    );
    expect(sampleValue(samples, 'fieldvault_deltas_pulled_total')).toBe(3);
    expect(sampleValue(samples, 'fieldvault_delta_bytes_pulled_total')).toBe(
      first.reduce((n, d) => n + envelopeBytes(d), 0),
    );
    expect(sampleValue(samples, 'fieldvault_info', { storage: 'sqlite', version: 'dev' })).toBe(1);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sampleValue(samples, 'nodejs_heap_used_bytes')).toBeGreaterThan(0);

    // Labels are route names, statuses and build facts: no ids, no addresses, no content.
    const labelKeys = new Set(samples.flatMap((s) => Object.keys(s.labels)));
    expect([...labelKeys].sort()).toEqual(['le', 'route', 'status', 'storage', 'version']);
    for (const needle of [a.workspaceId, a.deviceId, first[0]!.deltaId, 'MARKER', '127.0.0.1']) {
      expect(text).not.toContain(needle);
    }

    // Every request is one log line with its id, method, route template, status and duration.
    // 404 /metrics, createWorkspace, push x3, pull, wait, health; a line may trail its response a little.
    const requestLines = () => logLines(server).filter((l) => l.event === 'request');
    for (let i = 0; i < 40 && requestLines().length < 8; i++) await new Promise((r) => setTimeout(r, 25));
    const requests = requestLines();
    expect(requests).toHaveLength(8);
    for (const l of requests) {
      expect(l.reqId).toMatch(/^[0-9a-f]{16}$/);
      expect(['GET', 'POST']).toContain(l.method);
      expect(typeof l.route).toBe('string');
      expect(String(l.route)).not.toContain(a.workspaceId);
      expect(typeof l.status).toBe('number');
      expect(typeof l.ms).toBe('number');
    }
    expect(new Set(requests.map((l) => l.reqId)).size).toBe(requests.length);
    expect(requests.some((l) => l.reqId === healthId && l.route === '/health')).toBe(true);
    expect(requests.find((l) => l.route === syncRoutes.wait.path)?.status).toBe(200);
    // Never a body, a signature, a nonce or an envelope.
    const stderr = server.stderr.join('\n');
    expect(secrets.length).toBe(4);
    for (const secret of [...secrets, ...first.map((d) => d.envelope.slice(0, 40)), 'MARKER']) {
      expect(stderr).not.toContain(secret);
    }
  });
});

describe('metrics registry', () => {
  it('counts requests refused by the rate limit, per route', async () => {
    const storage = SqliteSyncStorage.open(':memory:');
    const metrics = createSyncMetrics({ storageKind: storage.kind, version: 'test' });
    const app = await createSyncServer({ storage, metrics, limits: { rateMax: 2, rateWindowMs: 60_000 } });
    try {
      const url = syncPath(syncRoutes.me, { workspaceId: randomId() });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url })).statusCode);
      expect(statuses).toEqual([401, 401, 429]);
      // Health checks are not rate limited, and not counted as refused.
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const samples = parseExposition(metrics.render());
      expect(sampleValue(samples, 'fieldvault_rate_limited_total', { route: 'me' })).toBe(1);
      expect(sampleValue(samples, 'fieldvault_rate_limited_total')).toBe(1);
      expect(sampleValue(samples, 'fieldvault_http_requests_total', { route: 'me', status: '429' })).toBe(1);
      expect(sampleValue(samples, 'fieldvault_http_requests_total', { route: 'health', status: '200' })).toBe(
        1,
      );
    } finally {
      await app.close();
      await storage.close();
    }
  });
});
