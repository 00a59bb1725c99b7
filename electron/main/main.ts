import path from 'node:path';
import type { BrowserWindow } from 'electron';
import {
  app,
  ipcMain,
  Menu,
  powerMonitor,
  protocol,
  session,
  systemPreferences,
  webContents,
} from 'electron';
import { platformOf } from '../services/app/app.handlers';
import { createPlatformAuthenticator } from '../services/auth/auth.platform';
import { createSenderPolicy } from '../services/ipc/sender-policy';
import { KEYCHAIN_SERVICE } from '../services/keychain/keychain.keytar';
import { createAppKeychain } from '../services/keychain/keychain.platform';
import { utilityChildCall } from './keychain.electron';
import { createLogger } from '../services/log/logger';
import { createPlatformPolicySource } from '../services/policy/policy.platform';
import { dialogConfirmation } from './confirm.electron';
import { ElectronNotifier } from './notifier.electron';
import { createServices, type Services } from '../services/services';
import { readSettings } from '../services/settings/settings.module';
import { TouchIdAuthenticator } from './auth.touchid';
import { registerElectronTransport } from './ipc.electron';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './protocol';
import { denyAllPermissions, hardenWebContents } from './security';
import { ElectronSessionSignals } from './session.electron';
import { buildMenuTemplate } from './menu';
import { startUpdates } from './update.start';
import { APP_PARTITION, createMainWindow } from './window';

/**
 * The app shell: lifecycle only. Everything with logic lives in `electron/services` (plain Node) or
 * in the small modules beside this file, which are unit-tested with a mocked `electron`.
 */
const logger = createLogger({ base: { proc: 'main' } });

// Must happen before `ready`: app:// behaves like https (secure context, fetch, standard URL parsing).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, logger));

// Chromium's own UI (native date pickers, spell-check, built-in messages) follows the app's language,
// which must be known before `ready`. The settings file holds no customer data and reads safely.
app.commandLine.appendSwitch('lang', readSettings(app.getPath('userData')).language);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let services: Services | null = null;
  let mainWindow: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app
    .whenReady()
    .then(() => {
      const appSession = session.fromPartition(APP_PARTITION);
      denyAllPermissions(session.defaultSession, logger);
      denyAllPermissions(appSession, logger);
      registerAppProtocol(appSession.protocol, path.join(__dirname, '../renderer'));
      services = createServices({
        dataDir: app.getPath('userData'),
        appInfo: { name: app.getName(), version: app.getVersion(), platform: platformOf(process.platform) },
        logger,
        isTrustedSender: createSenderPolicy(),
        keychain: createAppKeychain(KEYCHAIN_SERVICE, utilityChildCall()),
        policy: createPlatformPolicySource(process.platform),
        serverConfirmation: dialogConfirmation(() => mainWindow),
        notifier: new ElectronNotifier(() => readSettings(app.getPath('userData')).language),
        // The database worker is its own entry of the main bundle (electron.vite.config.ts).
        dbWorkerUrl: new URL('./db.worker.js', import.meta.url),
        // The OS confirms the user before unlock and every sensitive action (Touch ID or the device
        // password on macOS, polkit auth_self on Linux; Windows answers AUTH_UNAVAILABLE for now).
        authenticator:
          process.platform === 'darwin'
            ? new TouchIdAuthenticator(systemPreferences)
            : createPlatformAuthenticator(process.platform),
        // Main locks on system idle, suspend (lid close) and screen lock, whatever the renderer does.
        session: new ElectronSessionSignals(powerMonitor),
      });
      registerElectronTransport(ipcMain, services.router, () => webContents.getAllWebContents());
      const lock = (): void => {
        void services?.lockVault().catch(() => logger.log('error', 'vault.lockFailed', {}));
      };
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(buildMenuTemplate({ platform: process.platform, onLock: lock })),
      );
      mainWindow = createMainWindow(path.join(__dirname, '../preload/preload.cjs'));
      mainWindow.on('closed', () => (mainWindow = null));
      // Verified updates only, as IT's policy allows (feed, channel, pin, "no updates").
      startUpdates(services.parts.policy, logger.child({ component: 'update' }));
    })
    .catch(() => {
      logger.log('error', 'app.startFailed', {});
      app.exit(1);
    });

  app.on('window-all-closed', () => app.quit());

  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed || !services) return;
    // Close the vault (and zero its keys) before the process exits.
    event.preventDefault();
    disposed = true;
    void services.dispose().finally(() => app.quit());
  });
}
