import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { DEFAULT_UPDATE_POLICY, type UpdatePolicy } from '../../../../shared/update/release.manifest';
import type { UpdateStatus } from '../../../../shared/update/update.status';
import { silentLogger } from '../../../../electron/services/log/logger';
import type { AutoUpdaterLike, FeedUpdateInfo } from '../../../../electron/main/updater.electron';
import { tempDir } from '../../support/tmp';
import { feedFixture, installerName, publishRelease, writeManifest } from './update.support';

/**
 * electron-updater cannot run outside a packaged Electron app, so it is replaced by a fake that behaves
 * like it where it matters: it reads its own feed (latest.yml), asks `isUpdateSupported` before it
 * offers a release, and downloads into its cache. The signed manifest comes from a real local server.
 */
class FakeAutoUpdater implements AutoUpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowPrerelease = false;
  allowDowngrade = false;
  private _channel: string | null = null;
  feedUrl: string | null = null;
  downloads = 0;
  constructor(
    /** What the feed's latest.yml says. */
    public feed: FeedUpdateInfo,
    /** The bytes the download produces. */
    public bytes: Buffer,
    private readonly cacheDir: string,
  ) {}
  get channel(): string | null {
    return this._channel;
  }
  set channel(value: string | null) {
    this._channel = value;
    this.allowDowngrade = true; // as electron-updater does
  }
  isUpdateSupported(_info: FeedUpdateInfo): boolean | Promise<boolean> {
    return true;
  }
  setFeedURL(options: { provider: 'generic'; url: string }): void {
    this.feedUrl = options.url;
  }
  async checkForUpdates() {
    const supported = await this.isUpdateSupported(this.feed);
    return { isUpdateAvailable: supported, updateInfo: this.feed };
  }
  /** Whether electron-updater would have registered its quit-time installer (it does so on completion). */
  quitHandlerAdded = false;
  downloadUpdate(): Promise<string[]> {
    this.downloads++;
    this.quitHandlerAdded ||= this.autoInstallOnAppQuit;
    mkdirSync(this.cacheDir, { recursive: true });
    const file = path.join(this.cacheDir, path.basename(this.feed.files[0]!.url));
    writeFileSync(file, this.bytes);
    return Promise.resolve([file]);
  }
}

const electronMock = vi.hoisted(() => ({
  app: { isPackaged: false, getVersion: vi.fn(() => '1.2.0') },
}));
vi.mock('electron', () => electronMock);
const updaterModule = vi.hoisted(() => ({ autoUpdater: null as AutoUpdaterLike | null }));
vi.mock('electron-updater', () => ({
  get autoUpdater() {
    return updaterModule.autoUpdater;
  },
}));

const { createElectronUpdater, startElectronUpdater } =
  await import('../../../../electron/main/updater.electron');

async function setup(
  options: { policy?: Partial<UpdatePolicy>; tamperFeed?: boolean; tamperDownload?: boolean } = {},
) {
  const fx = await feedFixture();
  const signed = await publishRelease(fx.dir, fx.keys, { version: '1.3.0' });
  const file = signed.manifest.files;
  if (!Array.isArray(file)) throw new Error('no files');
  const installer = readFileSync(path.join(fx.dir, installerName('1.3.0')));
  const entry = file[0] as { url: string; sha512: string; size: number };
  const feed: FeedUpdateInfo = {
    version: '1.3.0',
    files: [
      {
        url: entry.url,
        sha512: options.tamperFeed
          ? entry.sha512.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
          : entry.sha512,
        size: entry.size,
      },
    ],
  };
  const bytes = options.tamperDownload ? Buffer.concat([installer.subarray(1), Buffer.from('!')]) : installer;
  const auto = new FakeAutoUpdater(feed, bytes, tempDir('fv-updater-cache-'));
  const statuses: UpdateStatus[] = [];
  const updater = createElectronUpdater(auto, {
    feed: { feedUrl: fx.server.url },
    policy: { ...DEFAULT_UPDATE_POLICY, ...options.policy },
    runningVersion: '1.2.0',
    logger: silentLogger,
    keys: [fx.keys.publicKey],
  });
  updater.onStatus((s) => statuses.push(s));
  return { fx, auto, updater, statuses, signed };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error('expected an AppError');
  return error.code;
}

describe('the Electron updater', () => {
  it('configures electron-updater to download and install nothing on its own, and no downgrades', async () => {
    const { auto, fx } = await setup({ policy: { channel: 'beta' } });
    expect(auto).toMatchObject({
      autoDownload: false,
      autoInstallOnAppQuit: false,
      allowDowngrade: false,
      allowPrerelease: true,
      channel: 'beta',
      feedUrl: fx.server.url,
    });
  });

  it('signed newer: checks, downloads, hash-checks the download and only then arms install on quit', async () => {
    const { auto, updater, statuses } = await setup();
    expect(() => updater.installOnQuit()).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    const found = await updater.check();
    expect(found.kind).toBe('available');
    expect(auto.autoInstallOnAppQuit).toBe(false);
    await updater.download();
    expect(updater.status()).toEqual({ state: 'ready', version: '1.3.0' });
    expect(auto.quitHandlerAdded).toBe(true);
    expect(auto.autoInstallOnAppQuit).toBe(false);
    updater.installOnQuit();
    expect(auto.autoInstallOnAppQuit).toBe(true);
    expect(statuses.map((s) => s.state)).toEqual(['checking', 'available', 'downloading', 'ready']);
  });

  it("refuses when electron-updater's feed offers other bytes than the signed manifest, before any download", async () => {
    const { auto, updater } = await setup({ tamperFeed: true });
    expect(await codeOf(updater.check())).toBe('UPDATE_HASH_MISMATCH');
    expect(await auto.isUpdateSupported(auto.feed)).toBe(false);
    expect(await codeOf(updater.download())).toBe('VALIDATION');
    expect(auto.downloads).toBe(0);
    expect(updater.status()).toMatchObject({ state: 'refused', error: { code: 'UPDATE_HASH_MISMATCH' } });
  });

  it('refuses a downloaded file that does not match the signed hash and never arms install', async () => {
    const { auto, updater } = await setup({ tamperDownload: true });
    await updater.check();
    expect(await codeOf(updater.download())).toBe('UPDATE_HASH_MISMATCH');
    expect(auto.autoInstallOnAppQuit).toBe(false);
    expect(() => updater.installOnQuit()).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('refuses an unsigned manifest without asking electron-updater', async () => {
    const { auto, updater, fx, signed } = await setup();
    writeManifest(fx.dir, 'stable', { manifest: signed.manifest });
    const check = vi.spyOn(auto, 'checkForUpdates');
    expect(await codeOf(updater.check())).toBe('UPDATE_UNSIGNED');
    expect(check).not.toHaveBeenCalled();
    expect(updater.status()).toMatchObject({ state: 'refused', error: { code: 'UPDATE_UNSIGNED' } });
  });

  it('"no updates" policy: disabled status, UPDATE_DISABLED, no request to any server', async () => {
    const { auto, updater, fx } = await setup({ policy: { disabled: true } });
    expect(updater.status()).toEqual({ state: 'disabled' });
    const check = vi.spyOn(auto, 'checkForUpdates');
    expect(await codeOf(updater.check())).toBe('UPDATE_DISABLED');
    expect(check).not.toHaveBeenCalled();
    expect(fx.server.requests).toEqual([]);
  });

  it('an unpackaged app gets no updater; a packaged one drives electron-updater with the app version', async () => {
    const options = {
      feed: { feedUrl: 'http://127.0.0.1:9/' },
      policy: DEFAULT_UPDATE_POLICY,
      logger: silentLogger,
    };
    expect(await startElectronUpdater(options)).toBeNull();
    const auto = new FakeAutoUpdater({ version: '1.3.0', files: [] }, Buffer.from(''), tempDir('fv-cache-'));
    updaterModule.autoUpdater = auto;
    electronMock.app.isPackaged = true;
    const updater = await startElectronUpdater(options);
    expect(updater?.status()).toEqual({ state: 'idle' });
    expect(auto).toMatchObject({
      autoDownload: false,
      autoInstallOnAppQuit: false,
      feedUrl: 'http://127.0.0.1:9/',
    });
    expect(electronMock.app.getVersion).toHaveBeenCalled();
  });
});
