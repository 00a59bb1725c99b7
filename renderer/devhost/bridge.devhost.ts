/**
 * The dev host's `window.crm`: the same API the Electron preload exposes, carried over JSON-RPC 2.0
 * on a loopback WebSocket. Built separately (vite.devhost.config.ts) and injected only by the dev
 * host, so nothing of it reaches the packaged renderer.
 */
import { isErrorCode, type Result } from '../../shared/errors';
import type { CrmBridge } from '../../shared/ipc/contract';

type Pending = (result: Result<unknown>) => void;
type Listener = (payload: unknown) => void;

const token = new URLSearchParams(location.search).get('token') ?? '';
const pending = new Map<number, Pending>();
const listeners = new Map<string, Set<Listener>>();
const queue: string[] = [];
let nextId = 1;
let socket: WebSocket | null = null;
let lost = false;

function connect(): WebSocket {
  const ws = new WebSocket(`ws://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  ws.addEventListener('open', () => {
    for (const frame of queue.splice(0)) ws.send(frame);
  });
  ws.addEventListener('message', (event: MessageEvent<string>) => {
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as {
      id?: number;
      method?: string;
      params?: unknown;
      result?: unknown;
      error?: { message?: string; data?: { code?: unknown } };
    };
    if (typeof m.method === 'string') {
      for (const listener of listeners.get(m.method) ?? []) listener(m.params);
      return;
    }
    if (typeof m.id !== 'number') return;
    const resolve = pending.get(m.id);
    if (!resolve) return;
    pending.delete(m.id);
    if (m.error) {
      const code = m.error.data?.code;
      resolve({
        ok: false,
        error: { code: isErrorCode(code) ? code : 'INTERNAL', message: m.error.message ?? 'Error' },
      });
    } else {
      resolve({ ok: true, value: m.result === null ? undefined : m.result });
    }
  });
  ws.addEventListener('close', () => {
    lost = true;
    for (const resolve of pending.values()) {
      resolve({ ok: false, error: { code: 'INTERNAL', message: 'Connection to the dev host was lost' } });
    }
    pending.clear();
  });
  return ws;
}

const bridge: CrmBridge = {
  invoke(channel: string, input?: unknown) {
    return new Promise<Result<unknown>>((resolve) => {
      if (lost) {
        resolve({ ok: false, error: { code: 'INTERNAL', message: 'Connection to the dev host was lost' } });
        return;
      }
      const id = nextId++;
      pending.set(id, resolve);
      const frame = JSON.stringify(
        input === undefined
          ? { jsonrpc: '2.0', id, method: channel }
          : { jsonrpc: '2.0', id, method: channel, params: input },
      );
      socket ??= connect();
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else queue.push(frame);
    });
  },
  on(event: string, listener: Listener) {
    socket ??= connect();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
} as CrmBridge;

Object.defineProperty(window, 'crm', { value: Object.freeze(bridge), writable: false, configurable: false });
