import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { RPC_MAX_FRAME_BYTES } from '../../shared/ipc/jsonrpc';
import { RENDERER_CSP } from '../services/paths/csp';
import { resolveInside } from '../services/paths/resolve-inside';
import type { SenderInfo } from '../services/ipc/router';
import type { Services } from '../services/services';
import { handleRpcFrame } from './jsonrpc.server';

export interface DevHostOptions {
  /** Directory of the built renderer (`out/renderer`). */
  readonly rendererDir: string;
  /** The built bridge script (`out/devhost/bridge.js`). */
  readonly bridgeFile: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Builds the services once the origin (and so the sender policy) is known. */
  readonly createServices: (origin: string) => Services | Promise<Services>;
}

export interface DevHost {
  readonly pageUrl: string;
  readonly rpcUrl: string;
  readonly origin: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The dev host: the real services behind the IPC router, reachable from a browser over JSON-RPC on a
 * loopback WebSocket. Listens on 127.0.0.1 only; every WebSocket must carry the per-run token, come
 * from the host's own page origin (or from a non-browser client, which sends no Origin), and address
 * the host by its loopback name (DNS rebinding guard).
 */
export async function startDevHost(options: DevHostOptions): Promise<DevHost> {
  const token = randomBytes(24).toString('base64url');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const services = await options.createServices(origin);
  const sender: SenderInfo = { transport: 'devhost', url: origin, isMainFrame: true };

  const wss = new WebSocketServer({ noServer: true, maxPayload: RPC_MAX_FRAME_BYTES });
  const sockets = new Set<WebSocket>();
  const unsubscribe = services.router.onEvent((event, payload) => {
    const frame = JSON.stringify({ jsonrpc: '2.0', method: event, params: payload });
    for (const socket of sockets) socket.send(frame);
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const reqOrigin = req.headers.origin;
    const accepted =
      url.pathname === '/rpc' &&
      url.searchParams.get('token') === token &&
      allowedHosts.has(req.headers.host ?? '') &&
      (reqOrigin === undefined || reqOrigin === origin || reqOrigin === `http://localhost:${port}`);
    if (!accepted) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // Oversize or malformed frames: ws closes the socket (1009/1002); the error must not crash the host.
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          ws.close(1003, 'Text frames only');
          return;
        }
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(data as Buffer[]).toString('utf8');
        void handleRpcFrame(text, services.router, sender).then((reply) => {
          if (reply && ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
        });
      });
    });
  });

  server.on('request', (req, res) => {
    void serveStatic(req, res, options, allowedHosts).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  return {
    pageUrl: `${origin}/?token=${token}`,
    rpcUrl: `ws://127.0.0.1:${port}/rpc?token=${token}`,
    origin,
    async close() {
      unsubscribe();
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.dispose();
    },
  };
}

async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  options: DevHostOptions,
  allowedHosts: Set<string>,
): Promise<void> {
  if (!allowedHosts.has(req.headers.host ?? '') || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(403).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = {
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  if (url.pathname === '/__devhost/bridge.js') {
    res.writeHead(200, { ...headers, 'Content-Type': MIME['.js'] });
    createReadStream(options.bridgeFile).pipe(res);
    return;
  }
  const file =
    url.pathname === '/'
      ? path.join(options.rendererDir, 'index.html')
      : resolveInside(options.rendererDir, url.pathname);
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) {
    // Client-side routes fall back to the app page; missing assets are 404s.
    if (path.extname(url.pathname) !== '') {
      res.writeHead(404, headers).end();
      return;
    }
    await sendIndex(res, options, headers);
    return;
  }
  if (path.basename(file) === 'index.html') {
    await sendIndex(res, options, headers);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

async function sendIndex(
  res: ServerResponse,
  options: DevHostOptions,
  headers: Record<string, string>,
): Promise<void> {
  const html = await readFile(path.join(options.rendererDir, 'index.html'), 'utf8');
  // A classic script runs before the deferred module scripts, so window.crm exists when the app starts.
  const injected = html.replace('<head>', '<head>\n    <script src="/__devhost/bridge.js"></script>');
  res.writeHead(200, { ...headers, 'Content-Type': MIME['.html'] });
  res.end(injected);
}
