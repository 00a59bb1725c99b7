import type { EventName, EventPayload, ChannelName } from '../../shared/ipc/contract';
import type { Handlers } from './ipc/router';
import type { Logger } from './log/logger';

/** What every service module gets from the composition root. */
export interface ModuleContext {
  /** The app's data directory (vault database, backups, settings). */
  readonly dataDir: string;
  readonly logger: Logger;
  /** Pushes an event to the renderer(s) through the router. */
  readonly emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** Wall-clock milliseconds; injectable for tests. */
  readonly now: () => number;
}

/** A domain's share of the handler map, plus cleanup. */
export interface ServiceModule<C extends ChannelName> {
  readonly handlers: Pick<Handlers, C>;
  /** Stops timers and releases resources. Safe to call twice. */
  readonly dispose: () => void | Promise<void>;
}
