import WebSocket from 'ws';

/** A minimal JSON-RPC client over `ws`, for talking to the dev host like the bridge does. */
export class RpcClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: unknown) => void>();
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly raw: unknown[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; method?: string; params?: unknown };
      this.raw.push(message);
      if (typeof message.method === 'string') {
        this.notifications.push({ method: message.method, params: message.params });
        return;
      }
      if (typeof message.id === 'number') {
        this.waiting.get(message.id)?.(message);
        this.waiting.delete(message.id);
      }
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new RpcClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  call(
    method: string,
    params?: unknown,
  ): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { code: string } } }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (message: unknown) => void);
      this.ws.send(
        JSON.stringify(
          params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params },
        ),
      );
    });
  }

  /** Sends a raw frame and resolves with the next message that has no pending id. */
  sendRaw(frame: string): Promise<unknown> {
    return new Promise((resolve) => {
      this.ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8'))));
      this.ws.send(frame);
    });
  }

  close(): void {
    this.ws.close();
  }
}
