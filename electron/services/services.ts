import type { AppInfo } from '../../shared/ipc/channels/app.channels';
import { createAppHandlers } from './app/app.handlers';
import { IpcRouter, type Handlers, type SenderPolicy } from './ipc/router';
import type { Logger } from './log/logger';

/** Everything the services need from the shell that hosts them (Electron or the dev host). */
export interface ServiceOptions {
  /** Directory that holds the vault and everything else the app writes. */
  readonly dataDir: string;
  readonly appInfo: AppInfo;
  readonly logger: Logger;
  readonly isTrustedSender: SenderPolicy;
}

/** The composed services behind one router. */
export interface Services {
  readonly router: IpcRouter;
  /** Closes databases and zeroes keys. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * The composition root: builds every service and the handler map. Plain Node: no `electron` import,
 * so the same services run under Electron, the dev host and the tests.
 */
export function createServices(options: ServiceOptions): Services {
  const handlers: Handlers = {
    ...createAppHandlers(options.appInfo),
  };
  const router = new IpcRouter(handlers, {
    isTrustedSender: options.isTrustedSender,
    logger: options.logger.child({ component: 'ipc' }),
  });
  return {
    router,
    dispose: () => Promise.resolve(),
  };
}
