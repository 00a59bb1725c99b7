/**
 * The dev host's `window.crm`: the same API the Electron preload exposes, carried over JSON-RPC 2.0
 * on a loopback WebSocket. Built separately (vite.devhost.config.ts) and injected only by the dev
 * host, so nothing of it reaches the packaged renderer.
 *
 * A dropped connection is re-opened with backoff. Calls in flight when it dropped fail (the host may
 * or may not have run them); calls made while it is down wait and go out on reconnect. After a
 * reconnect the bridge replays the current state to the page's listeners (vault state, settings,
 * policy, sync status, and a "everything changed" `records.changed`), because events pushed while
 * the socket was down are lost.
 */
import { isErrorCode, type Result } from '../../shared/errors';
import type { CrmBridge } from '../../shared/ipc/contract';
import { RPC_MAX_FRAME_BYTES } from '../../shared/ipc/jsonrpc.limits';
import { frameTooLarge, nextBackoffMs, resyncPlan } from './bridge.resync';
import { showConnectionBanner } from './bridge.banner';

type Pending = (result: Result<unknown>) => void;
type Listener = (payload: unknown) => void;

const token = new URLSearchParams(location.search).get('token') ?? '';
const pending = new Map<number, Pending>();
const listeners = new Map<string, Set<Listener>>();
const queue: string[] = [];
let nextId = 1;
let socket: WebSocket | null = null;
let open = false;
/** True once a connection was lost: the next open replays state. */
let dropped = false;
let attempt = 0;

const LOST: Result<unknown> = {
  ok: false,
  error: { code: 'INTERNAL', message: 'Connection to the dev host was lost' },
};

function deliver(method: string, params: unknown): void {
  for (const listener of listeners.get(method) ?? []) listener(params);
}

function onMessage(event: MessageEvent<string>): void {
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
    deliver(m.method, m.params);
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
}

function connect(): void {
  const ws = new WebSocket(`ws://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.addEventListener('open', () => {
    open = true;
    attempt = 0;
    showConnectionBanner(false);
    for (const frame of queue.splice(0)) ws.send(frame);
    if (dropped) {
      dropped = false;
      void resync();
    }
  });
  ws.addEventListener('message', onMessage);
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    open = false;
    socket = null;
    dropped = true;
    for (const resolve of pending.values()) resolve(LOST);
    pending.clear();
    showConnectionBanner(true);
    const delay = nextBackoffMs(attempt++);
    setTimeout(connect, delay);
  });
}

function send(frame: string): void {
  if (socket === null) connect();
  if (open && socket) socket.send(frame);
  else queue.push(frame);
}

function invoke(channel: string, input?: unknown): Promise<Result<unknown>> {
  return new Promise<Result<unknown>>((resolve) => {
    const id = nextId++;
    const frame = JSON.stringify(
      input === undefined
        ? { jsonrpc: '2.0', id, method: channel }
        : { jsonrpc: '2.0', id, method: channel, params: input },
    );
    // The host closes the socket on a frame over the limit; refuse it here instead, keeping the connection.
    if (frameTooLarge(frame, RPC_MAX_FRAME_BYTES)) {
      resolve({ ok: false, error: { code: 'VALIDATION', message: 'The request is too large' } });
      return;
    }
    pending.set(id, resolve);
    send(frame);
  });
}

/** Replays current state to the listeners the page has, for the events missed while disconnected. */
async function resync(): Promise<void> {
  for (const step of resyncPlan()) {
    if (!step.events.some((e) => listeners.has(e))) continue;
    const result = await invoke(step.channel);
    if (!result.ok) continue;
    for (const [event, payload] of step.replay(result.value)) deliver(event, payload);
  }
}

const bridge: CrmBridge = {
  invoke,
  on(event: string, listener: Listener) {
    if (socket === null) connect();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
} as CrmBridge;

Object.defineProperty(window, 'crm', { value: Object.freeze(bridge), writable: false, configurable: false });
