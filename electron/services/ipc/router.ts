import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError, type ErrorInfo, type Result } from '../../../shared/errors';
import {
  channels,
  events,
  isChannelName,
  type ChannelName,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type ParsedInput,
} from '../../../shared/ipc/contract';
import type { Logger } from '../log/logger';

/** Who is calling. Transports fill this in; the router decides whether to trust it. */
export interface SenderInfo {
  readonly transport: 'electron' | 'devhost' | 'test';
  /** The URL of the calling frame (Electron) or the page origin (dev host). */
  readonly url: string;
  /** False for iframes: only the top frame of our own page may call. */
  readonly isMainFrame: boolean;
}

export interface CallContext {
  readonly sender: SenderInfo;
  /** A random id for this call, for correlating logs. */
  readonly callId: string;
}

export type Handler<C extends ChannelName> = (
  input: ParsedInput<C>,
  ctx: CallContext,
) => ChannelOutput<C> | Promise<ChannelOutput<C>>;

/** One handler per channel: a missing or extra handler is a compile error. */
export type Handlers = { readonly [C in ChannelName]: Handler<C> };

export type SenderPolicy = (sender: SenderInfo) => boolean;

type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Turns a zod error into a message naming paths and problems, never the offending values. */
export function describeZodError(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    return `${path}: ${issue.code}`;
  });
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return `Invalid input: ${parts.join('; ')}${more}`;
}

/**
 * The transport-agnostic IPC router. Every call goes through `dispatch`: sender check, channel
 * lookup, input parsing, handler, output parsing (which also strips fields the contract does not
 * declare). It never throws and never rejects: failures come back as `{ok: false, error}`.
 */
export class IpcRouter {
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly handlers: Handlers,
    private readonly options: {
      isTrustedSender: SenderPolicy;
      logger: Logger;
      /** Wraps each validated call (the write gate holds main's writes while a worker job writes). */
      around?: (channel: ChannelName, run: () => Promise<unknown>) => Promise<unknown>;
    },
  ) {}

  async dispatch(channel: unknown, input: unknown, sender: SenderInfo): Promise<Result<unknown>> {
    const callId = randomUUID();
    const log = this.options.logger;
    if (!this.options.isTrustedSender(sender)) {
      log.log('warn', 'ipc.senderRejected', { transport: sender.transport, callId });
      return fail({ code: 'FORBIDDEN_SENDER', message: 'Caller is not the application window' });
    }
    if (!isChannelName(channel)) {
      log.log('warn', 'ipc.unknownChannel', { callId });
      return fail({ code: 'UNKNOWN_CHANNEL', message: 'Unknown channel' });
    }
    const def = channels[channel];
    const parsed = def.input.safeParse(input);
    if (!parsed.success) {
      log.log('info', 'ipc.invalidInput', { channel, callId });
      return fail({ code: 'VALIDATION', message: describeZodError(parsed.error) });
    }
    const started = performance.now();
    try {
      // The map is keyed by channel, so this handler matches this channel's parsed input.
      const handler = this.handlers[channel] as (input: unknown, ctx: CallContext) => unknown;
      const run = (): Promise<unknown> => Promise.resolve(handler(parsed.data, { sender, callId }));
      const value: unknown = await (this.options.around ? this.options.around(channel, run) : run());
      const out = def.output.safeParse(value);
      if (!out.success) {
        log.log('error', 'ipc.invalidOutput', { channel, callId });
        return fail({ code: 'INTERNAL', message: 'Internal error' });
      }
      log.log('debug', 'ipc.call', { channel, callId, ms: Math.round(performance.now() - started) });
      return { ok: true, value: out.data };
    } catch (error) {
      if (error instanceof AppError) {
        log.log('info', 'ipc.appError', { channel, callId, code: error.code });
        return fail(error.toInfo());
      }
      const storage = storageFailure(error);
      if (storage) {
        log.log('error', 'ipc.storageFailed', { channel, callId, code: storage.code });
        return fail(storage);
      }
      // Unknown errors can carry anything in their message (SQL, values): log the type only.
      const kind = error instanceof Error ? error.name : typeof error;
      log.log('error', 'ipc.handlerFailed', { channel, callId, kind });
      return fail({ code: 'INTERNAL', message: 'Internal error' });
    }
  }

  /** Pushes an event to every transport. The payload is validated against the contract first. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const def = events[event] as { payload: z.ZodType };
    const parsed = def.payload.safeParse(payload);
    if (!parsed.success) {
      this.options.logger.log('error', 'ipc.invalidEvent', { event });
      return;
    }
    for (const listener of this.listeners) listener(event, parsed.data as EventPayload<E>);
  }

  /** Transports subscribe here to forward events. Returns an unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * SQLite failures any service can hit on the vault database, mapped to codes with a way forward
 * (restore a backup, free disk space) instead of INTERNAL. The SQLite message is never passed on.
 */
function storageFailure(error: unknown): ErrorInfo | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_CORRUPT_VTAB' || code === 'SQLITE_NOTADB') {
    return { code: 'CORRUPT_STORE', message: 'The vault database is damaged: restore a backup' };
  }
  if (code === 'SQLITE_FULL')
    return { code: 'DISK_FULL', message: 'The disk is full: free some space and retry' };
  return null;
}

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
