import keytar from 'keytar';

/**
 * One keytar call in a fresh process (see `keychain.fresh.ts`): its libsecret connects to whichever
 * Secret Service owns the bus name now. Reads one request from the parent (Node IPC, or Electron's
 * utility-process port), answers once and exits. The secret crosses as keytar's own base64 text,
 * inside the IPC channel only: never argv, environment or a file.
 */
interface Request {
  readonly op: 'get' | 'set' | 'delete';
  readonly service: string;
  readonly account: string;
  readonly password?: string;
}

type Reply = { ok: true; value: string | boolean | null } | { ok: false; message: string };

interface Port {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: Reply): void;
}

function isRequest(value: unknown): value is Request {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    (r.op === 'get' || r.op === 'set' || r.op === 'delete') &&
    typeof r.service === 'string' &&
    typeof r.account === 'string' &&
    (r.password === undefined || typeof r.password === 'string')
  );
}

async function run(request: Request): Promise<Reply> {
  try {
    if (request.op === 'get')
      return { ok: true, value: await keytar.getPassword(request.service, request.account) };
    if (request.op === 'set') {
      await keytar.setPassword(request.service, request.account, request.password ?? '');
      return { ok: true, value: true };
    }
    return { ok: true, value: await keytar.deletePassword(request.service, request.account) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function handle(message: unknown, send: (reply: Reply) => void): void {
  if (!isRequest(message)) {
    send({ ok: false, message: 'bad request' });
    process.exit(2);
  }
  void run(message).then((reply) => {
    send(reply);
    setImmediate(() => process.exit(0));
  });
}

const port: unknown = Reflect.get(process, 'parentPort');
if (typeof port === 'object' && port !== null && 'postMessage' in port) {
  const p = port as Port;
  p.on('message', (event) => handle(event.data, (reply) => p.postMessage(reply)));
} else {
  process.once('message', (message) => handle(message, (reply) => process.send?.(reply)));
}
