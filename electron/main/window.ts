import { BrowserWindow, type WebPreferences } from 'electron';
import { APP_HOST, APP_SCHEME } from './protocol';

/**
 * The renderer's session partition. No `persist:` prefix, so Chromium keeps its caches, storage and
 * cookies in memory: nothing the page handled lands unencrypted in the data directory.
 */
export const APP_PARTITION = 'fieldvault';

/** The one set of web preferences for every app window. Tests assert each of these. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    partition: APP_PARTITION,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

export const APP_START_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Creates the main window and loads the renderer from the `app://` protocol. */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'FieldVault',
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_START_URL);
  return win;
}
