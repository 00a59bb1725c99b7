import type { Session, WebContents } from 'electron';
import { APP_ORIGIN } from '../services/ipc/sender-policy';
import type { Logger } from '../services/log/logger';

/**
 * Hardens one WebContents: no navigation away from the app, no new windows, no webviews.
 * Applied to every WebContents the app creates (see `app.on('web-contents-created')`).
 */
export function hardenWebContents(contents: WebContents, logger: Logger): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      logger.log('warn', 'security.navigationBlocked', {});
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.log('warn', 'security.webviewBlocked', {});
  });
  contents.setWindowOpenHandler(() => {
    logger.log('warn', 'security.windowOpenBlocked', {});
    return { action: 'deny' };
  });
}

/** Denies every permission request and check (camera, notifications, geolocation, …) by default. */
export function denyAllPermissions(session: Session, logger: Logger): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    logger.log('warn', 'security.permissionDenied', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}
