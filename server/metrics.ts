import { createServer, type Server } from 'node:http';
import { syncRouteNames, syncRoutes } from '../shared/sync/routes';
import type { AppendFailure, AppendOutcome, NewDelta, StoredDelta, SyncStorage } from './storage/storage';

/**
 * Prometheus metrics of one server process, in the text exposition format (0.0.4). Labels are route
 * names, methods and status codes only: never a workspace, device, delta id or address, so neither
 * customer data nor unbounded cardinality can reach a scrape.
 */
export interface SyncMetrics {
  /** One answered request: its route name (`routeName`), status and duration. */
  observeRequest(route: string, status: number, seconds: number): void;
  /** A request started on `route`; call the returned function when its response closes. */
  requestStarted(route: string): () => void;
  /** Deltas appended by a push (duplicates excluded) and their envelope bytes. */
  pushed(deltas: number, bytes: number, duplicates: number): void;
  /** Deltas served by a pull page and their envelope bytes. */
  pulled(deltas: number, bytes: number): void;
  /** The whole exposition, as `/metrics` serves it. */
  render(): string;
}

/** Upper bounds in seconds; long-polls wait up to 30 s, so the top buckets are theirs. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const ROUTE_BY_KEY = new Map<string, string>(
  syncRouteNames.map((name) => [`${syncRoutes[name].method} ${syncRoutes[name].path}`, name]),
);

/** The route-table name of a matched route (`push`, `wait`...), or `unmatched` (404s, malformed URLs). */
export function routeName(method: string, routeUrl: string | undefined): string {
  return (routeUrl && ROUTE_BY_KEY.get(`${method} ${routeUrl}`)) || 'unmatched';
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Readonly<Record<string, string>>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(6));

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** The process figures `/metrics` reports; injectable so a test can pin them. */
export interface ProcessSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly startTimeSeconds: number;
}

function sampleProcess(): ProcessSample {
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
  };
}

/** A registry for one server process. */
export function createSyncMetrics(options: {
  readonly storageKind: SyncStorage['kind'];
  readonly version: string;
  readonly sample?: () => ProcessSample;
}): SyncMetrics {
  const sample = options.sample ?? sampleProcess;
  const requests = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  const rateLimited = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let pushedDeltas = 0;
  let pushedBytes = 0;
  let pushDuplicates = 0;
  let pulledDeltas = 0;
  let pulledBytes = 0;

  const key = (route: string, status: number) => `${route}\u0000${status}`;
  const split = (k: string): [string, string] => {
    const [route = '', status = ''] = k.split('\u0000');
    return [route, status];
  };

  return {
    observeRequest(route, status, seconds) {
      const k = key(route, status);
      requests.set(k, (requests.get(k) ?? 0) + 1);
      let h = durations.get(k);
      if (!h) {
        h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
        durations.set(k, h);
      }
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]! += 1;
      h.sum += seconds;
      h.count += 1;
      if (status === 429) rateLimited.set(route, (rateLimited.get(route) ?? 0) + 1);
    },

    requestStarted(route) {
      inFlight.set(route, (inFlight.get(route) ?? 0) + 1);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight.set(route, (inFlight.get(route) ?? 1) - 1);
      };
    },

    pushed(deltas, bytes, duplicates) {
      pushedDeltas += deltas;
      pushedBytes += bytes;
      pushDuplicates += duplicates;
    },

    pulled(deltas, bytes) {
      pulledDeltas += deltas;
      pulledBytes += bytes;
    },

    render() {
      const out: string[] = [];
      const family = (name: string, type: string, help: string) =>
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      const line = (name: string, labels: Readonly<Record<string, string>>, value: number) =>
        out.push(`${name}${labelText(labels)} ${num(value)}`);

      family('fieldvault_http_requests_total', 'counter', 'Answered requests by route and status.');
      for (const [k, n] of requests) {
        const [route, status] = split(k);
        line('fieldvault_http_requests_total', { route, status }, n);
      }
      family(
        'fieldvault_http_request_duration_seconds',
        'histogram',
        'Time from request to response by route and status (long-polls included).',
      );
      for (const [k, h] of durations) {
        const [route, status] = split(k);
        const name = 'fieldvault_http_request_duration_seconds';
        BUCKETS.forEach((le, i) => line(`${name}_bucket`, { route, status, le: String(le) }, h.counts[i]!));
        line(`${name}_bucket`, { route, status, le: '+Inf' }, h.count);
        line(`${name}_sum`, { route, status }, h.sum);
        line(`${name}_count`, { route, status }, h.count);
      }
      family('fieldvault_http_requests_in_flight', 'gauge', 'Requests being handled, by route.');
      for (const [route, n] of inFlight) line('fieldvault_http_requests_in_flight', { route }, n);
      family('fieldvault_longpolls_active', 'gauge', 'Long-polls (wait route) currently held open.');
      line('fieldvault_longpolls_active', {}, inFlight.get('wait') ?? 0);
      family('fieldvault_rate_limited_total', 'counter', 'Requests refused by the rate limit (429).');
      for (const [route, n] of rateLimited) line('fieldvault_rate_limited_total', { route }, n);

      family('fieldvault_deltas_pushed_total', 'counter', 'Deltas appended to workspace logs.');
      line('fieldvault_deltas_pushed_total', {}, pushedDeltas);
      family('fieldvault_delta_bytes_pushed_total', 'counter', 'Envelope bytes of appended deltas.');
      line('fieldvault_delta_bytes_pushed_total', {}, pushedBytes);
      family('fieldvault_push_duplicates_total', 'counter', 'Pushed deltas already in the log (retries).');
      line('fieldvault_push_duplicates_total', {}, pushDuplicates);
      family('fieldvault_deltas_pulled_total', 'counter', 'Deltas served by pulls.');
      line('fieldvault_deltas_pulled_total', {}, pulledDeltas);
      family('fieldvault_delta_bytes_pulled_total', 'counter', 'Envelope bytes served by pulls.');
      line('fieldvault_delta_bytes_pulled_total', {}, pulledBytes);

      family('fieldvault_info', 'gauge', 'Server version and storage kind (always 1).');
      line('fieldvault_info', { version: options.version, storage: options.storageKind }, 1);
      const p = sample();
      family('process_resident_memory_bytes', 'gauge', 'Resident set size.');
      line('process_resident_memory_bytes', {}, p.rssBytes);
      family('process_start_time_seconds', 'gauge', 'Process start, seconds since the epoch.');
      line('process_start_time_seconds', {}, p.startTimeSeconds);
      family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.');
      line('nodejs_heap_used_bytes', {}, p.heapUsedBytes);
      family('nodejs_heap_total_bytes', 'gauge', 'V8 heap reserved.');
      line('nodejs_heap_total_bytes', {}, p.heapTotalBytes);
      family('nodejs_external_memory_bytes', 'gauge', 'Memory of buffers outside the V8 heap.');
      line('nodejs_external_memory_bytes', {}, p.externalBytes);
      return out.join('\n') + '\n';
    },
  };
}

/** `storage` with pushes and pulls counted into `metrics`; every other call passes straight through. */
export function meterStorage(storage: SyncStorage, metrics: SyncMetrics): SyncStorage {
  const watch = storage.watch?.bind(storage);
  return {
    kind: storage.kind,
    createWorkspace: (id, device) => storage.createWorkspace(id, device),
    getDevice: (id) => storage.getDevice(id),
    listDevices: (ws) => storage.listDevices(ws),
    revokeDevice: (ws, id, now) => storage.revokeDevice(ws, id, now),
    createInvite: (invite) => storage.createInvite(invite),
    getInvite: (id) => storage.getInvite(id),
    acceptInvite: (id, device, now) => storage.acceptInvite(id, device, now),
    membership: (ws, from) => storage.membership(ws, from),
    putSnapshotChunk: (ws, id, index, chunk) => storage.putSnapshotChunk(ws, id, index, chunk),
    commitSnapshot: (commit) => storage.commitSnapshot(commit),
    latestSnapshot: (ws) => storage.latestSnapshot(ws),
    snapshotChunk: (ws, id, index) => storage.snapshotChunk(ws, id, index),
    compactLog: (ws, id, seq) => storage.compactLog(ws, id, seq),
    compactedSeq: (ws) => storage.compactedSeq(ws),
    appendMembership: (ws, entry, effect, now) => storage.appendMembership(ws, entry, effect, now),
    async appendDeltas(
      ws: string,
      deviceId: string,
      deltas: readonly NewDelta[],
      receivedAt: number,
    ): Promise<AppendOutcome[] | AppendFailure> {
      const r = await storage.appendDeltas(ws, deviceId, deltas, receivedAt);
      if (Array.isArray(r)) {
        const size = new Map(deltas.map((d) => [d.deltaId, d.envelope.length]));
        const fresh = r.filter((o) => !o.duplicate);
        metrics.pushed(
          fresh.length,
          fresh.reduce((n, o) => n + (size.get(o.deltaId) ?? 0), 0),
          r.length - fresh.length,
        );
      }
      return r;
    },
    async pullDeltas(ws: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]> {
      const page = await storage.pullDeltas(ws, after, limit, maxBytes);
      metrics.pulled(
        page.length,
        page.reduce((n, d) => n + d.envelope.length, 0),
      );
      return page;
    },
    latestSeq: (ws) => storage.latestSeq(ws),
    consumeNonce: (id, nonce, expiresAt) => storage.consumeNonce(id, nonce, expiresAt),
    ...(watch ? { watch } : {}),
    hit: (k, windowMs, now) => storage.hit(k, windowMs, now),
    purgeNonces: (now) => storage.purgeNonces(now),
    listWorkspaces: () => storage.listWorkspaces(),
    usage: (now) => storage.usage(now),
    close: () => storage.close(),
  };
}

/** A running metrics listener. */
export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and nothing else) on its own plain-HTTP listener, apart from the API port,
 * so the API's TLS, rate limit and load balancer never see scrapes and the metrics are reachable only
 * where this listener is bound (loopback unless the operator says otherwise).
 */
export function startMetricsServer(
  metrics: SyncMetrics,
  options: { readonly host: string; readonly port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const pathOnly = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || pathOnly !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      .end(metrics.render());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
