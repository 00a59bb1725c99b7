import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/tmp';

/**
 * The Electron binary cannot run here, so the shell is tested against a mocked `electron` module:
 * each hardening setting and lifecycle step is asserted on what the shell asks Electron to do.
 */
const electronMock = vi.hoisted(() => {
  class FakeWebContents {
    handlers = new Map<string, (...args: unknown[]) => void>();
    windowOpenHandler: ((details: unknown) => { action: string }) | null = null;
    on(name: string, fn: (...args: unknown[]) => void) {
      this.handlers.set(name, fn);
      return this;
    }
    setWindowOpenHandler(fn: (details: unknown) => { action: string }) {
      this.windowOpenHandler = fn;
    }
  }
  const windows: { options: unknown; url: string | null }[] = [];
  class BrowserWindow {
    static instances = windows;
    webContents = new FakeWebContents();
    url: string | null = null;
    constructor(public options: unknown) {
      windows.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    once() {
      return this;
    }
    on() {
      return this;
    }
    show() {}
  }
  return {
    FakeWebContents,
    BrowserWindow,
    app: {
      requestSingleInstanceLock: vi.fn(() => true),
      commandLine: { appendSwitch: vi.fn() },
      quit: vi.fn(),
      exit: vi.fn(),
      on: vi.fn(),
      whenReady: vi.fn(() => new Promise<void>(() => undefined)),
      getPath: vi.fn(() => '/tmp/fv-electron-mock'),
      getName: vi.fn(() => 'FieldVault'),
      getVersion: vi.fn(() => '0.0.0'),
    },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((t: unknown) => t) },
    powerMonitor: { on: vi.fn() },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    session: { defaultSession: {} },
    webContents: { getAllWebContents: vi.fn(() => []) },
  };
});

vi.mock('electron', () => electronMock);

const { secureWebPreferences, createMainWindow, APP_START_URL, APP_PARTITION } =
  await import('../../../electron/main/window');
const { buildMenuTemplate } = await import('../../../electron/main/menu');
const { hardenWebContents, denyAllPermissions, isAppUrl } = await import('../../../electron/main/security');
const { serveAppRequest, registerAppProtocol, APP_SCHEME_PRIVILEGES } =
  await import('../../../electron/main/protocol');
const { senderOf, registerElectronTransport } = await import('../../../electron/main/ipc.electron');
const { silentLogger } = await import('../../../electron/services/log/logger');
const { createTestServices } = await import('../support/router');

describe('BrowserWindow hardening', () => {
  it('uses context isolation, the sandbox, no Node integration and web security', () => {
    expect(secureWebPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('keeps the renderer session in memory (no persist: partition), so no cache or storage lands on disk', () => {
    const prefs = secureWebPreferences('/p/preload.cjs');
    expect(prefs.partition).toBe(APP_PARTITION);
    expect(prefs.partition?.startsWith('persist:')).toBe(false);
  });

  it('loads the renderer from app://, never file://', () => {
    const win = createMainWindow('/p/preload.cjs');
    const created = electronMock.BrowserWindow.instances.at(-1);
    expect(created).toBe(win);
    expect(created?.url).toBe(APP_START_URL);
    expect(APP_START_URL.startsWith('app://fieldvault/')).toBe(true);
    expect(created?.options).toHaveProperty('webPreferences', secureWebPreferences('/p/preload.cjs'));
  });
});

describe('navigation, new windows and permissions', () => {
  it('blocks navigation and redirects away from the app origin', () => {
    const contents = new electronMock.FakeWebContents();
    hardenWebContents(contents as never, silentLogger);
    for (const name of ['will-navigate', 'will-redirect']) {
      const handler = contents.handlers.get(name)!;
      const foreign = { preventDefault: vi.fn() };
      handler(foreign, 'https://evil.example/phish');
      expect(foreign.preventDefault).toHaveBeenCalled();
      const own = { preventDefault: vi.fn() };
      handler(own, 'app://fieldvault/index.html#/contacts');
      expect(own.preventDefault).not.toHaveBeenCalled();
    }
  });

  it('denies window.open and webviews', () => {
    const contents = new electronMock.FakeWebContents();
    hardenWebContents(contents as never, silentLogger);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://fieldvault/index.html' })).toEqual({ action: 'deny' });
    const attach = { preventDefault: vi.fn() };
    contents.handlers.get('will-attach-webview')!(attach);
    expect(attach.preventDefault).toHaveBeenCalled();
  });

  it('denies every permission request and check', () => {
    const session = {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    };
    denyAllPermissions(session as never, silentLogger);
    const request = session.setPermissionRequestHandler.mock.calls[0]![0] as (
      c: unknown,
      p: string,
      cb: (granted: boolean) => void,
    ) => void;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      request({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    const check = session.setPermissionCheckHandler.mock.calls[0]![0] as () => boolean;
    expect(check()).toBe(false);
    const device = session.setDevicePermissionHandler.mock.calls[0]![0] as () => boolean;
    expect(device()).toBe(false);
  });

  it('recognises only the app origin', () => {
    expect(isAppUrl('app://fieldvault/x')).toBe(true);
    expect(isAppUrl('app://other/x')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('garbage')).toBe(false);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeEach(() => {
    const dir = tempDir('fv-proto-');
    root = path.join(dir, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<html></html>');
    writeFileSync(path.join(root, 'assets', 'a.js'), 'export {}');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside');
  });

  it('is registered as a privileged standard, secure scheme and served by the handler', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      scheme: 'app',
      privileges: { standard: true, secure: true },
    });
    const protocol = { handle: vi.fn() };
    registerAppProtocol(protocol as never, root);
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('serves files with the CSP header', async () => {
    const res = await serveAppRequest('app://fieldvault/', root);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(
      (await serveAppRequest('app://fieldvault/assets/a.js', root)).headers.get('content-type'),
    ).toContain('javascript');
  });

  it.each([
    'app://fieldvault/../secret.txt',
    'app://fieldvault/%2e%2e/secret.txt',
    'app://fieldvault/assets/..%2f..%2fsecret.txt',
    'app://fieldvault/assets/%5c..%5c..%5csecret.txt',
    'app://fieldvault/%00',
    'app://other-host/index.html',
  ])('never serves %s', async (url) => {
    const res = await serveAppRequest(url, root);
    expect(res.status).not.toBe(200);
  });
});

describe('Electron IPC transport', () => {
  it('treats only the main frame as the main frame', () => {
    const mainFrame = { url: 'app://fieldvault/index.html' };
    const child = { url: 'app://fieldvault/index.html' };
    expect(senderOf({ senderFrame: mainFrame, sender: { mainFrame } } as never).isMainFrame).toBe(true);
    expect(senderOf({ senderFrame: child, sender: { mainFrame } } as never).isMainFrame).toBe(false);
    expect(senderOf({ senderFrame: null, sender: { mainFrame } } as never)).toMatchObject({
      isMainFrame: false,
      url: '',
    });
  });

  it('routes invokes through the router with the sender check', async () => {
    const services = createTestServices(tempDir('fv-ipc-'));
    const ipcMain = { handle: vi.fn(), removeHandler: vi.fn() };
    const dispose = registerElectronTransport(ipcMain as never, services.router, () => []);
    const handler = ipcMain.handle.mock.calls[0]![1] as (
      e: unknown,
      c: unknown,
      i: unknown,
    ) => Promise<unknown>;
    const frame = { url: 'https://evil.example/' };
    expect(
      await handler({ senderFrame: frame, sender: { mainFrame: frame } }, 'app.info', undefined),
    ).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER' },
    });
    dispose();
    expect(ipcMain.removeHandler).toHaveBeenCalled();
  });
});

describe('app lifecycle', () => {
  it('registers app:// before ready, hardens every WebContents, and quits when another instance runs', async () => {
    electronMock.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    vi.resetModules();
    await import('../../../electron/main/main');
    expect(electronMock.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([APP_SCHEME_PRIVILEGES]);
    expect(electronMock.app.on).toHaveBeenCalledWith('web-contents-created', expect.any(Function));
    // No settings file in the mocked userData yet: Chromium starts in the default language.
    expect(electronMock.app.commandLine.appendSwitch).toHaveBeenCalledWith('lang', 'en');
    expect(electronMock.app.quit).toHaveBeenCalled();
    expect(electronMock.app.whenReady).not.toHaveBeenCalled();
  });

  it('starts normally with the lock held and focuses on a second instance', async () => {
    electronMock.app.quit.mockClear();
    electronMock.app.on.mockClear();
    vi.resetModules();
    await import('../../../electron/main/main');
    expect(electronMock.app.quit).not.toHaveBeenCalled();
    expect(electronMock.app.whenReady).toHaveBeenCalled();
    const events = electronMock.app.on.mock.calls.map((c: unknown[]) => c[0]);
    expect(events).toEqual(expect.arrayContaining(['second-instance', 'window-all-closed', 'before-quit']));
  });
});

describe('application menu', () => {
  it.each(['linux', 'darwin', 'win32'] as const)(
    'offers Lock on Ctrl/Cmd+L on %s, calling into main',
    (platform) => {
      const onLock = vi.fn();
      const template = buildMenuTemplate({ platform, onLock });
      const items = template.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
      const lock = items.find((i) => i.id === 'vault-lock');
      expect(lock?.accelerator).toBe('CmdOrCtrl+L');
      (lock?.click as () => void)();
      expect(onLock).toHaveBeenCalledOnce();
      expect(
        items.some((i) => i.role === 'toggleDevTools' || i.role === 'reload' || i.role === 'forceReload'),
      ).toBe(false);
    },
  );
});
