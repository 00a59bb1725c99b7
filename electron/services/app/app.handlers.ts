import type { AppInfo } from '../../../shared/ipc/channels/app.channels';
import type { Handlers } from '../ipc/router';

/** Handlers for `app.*`. The shell (Electron or dev host) supplies the facts. */
export function createAppHandlers(info: AppInfo): Pick<Handlers, 'app.info'> {
  return {
    'app.info': () => info,
  };
}

export function platformOf(platform: string): AppInfo['platform'] {
  return platform === 'linux' || platform === 'darwin' || platform === 'win32' ? platform : 'other';
}
