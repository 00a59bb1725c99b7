import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import { RENDERER_CSP } from '../services/paths/csp';
import { resolveInside } from '../services/paths/resolve-inside';

export const APP_SCHEME = 'app';
export const APP_HOST = 'fieldvault';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Privileges for `app://`; must be registered before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

/**
 * Serves the built renderer from `rendererDir` as `app://fieldvault/…` instead of file://, so the
 * page has a real origin, gets the CSP header, and cannot read files outside its own folder.
 */
export function registerAppProtocol(protocol: Protocol, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, rendererDir));
}

/** The protocol handler itself, separated so it can be tested without Electron. */
export async function serveAppRequest(url: string, rendererDir: string): Promise<Response> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return new Response(null, { status: 400 });
  }
  if (parsed.host !== APP_HOST) return new Response(null, { status: 404 });
  const pathname = parsed.pathname === '/' ? '/index.html' : parsed.pathname;
  const file = resolveInside(rendererDir, pathname);
  if (!file) return new Response(null, { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': RENDERER_CSP,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch {
    return new Response(null, { status: 404 });
  }
}
