import path from 'node:path';
import { app } from 'electron';
import { AppError } from '../../shared/errors';
import type { ReleaseManifest, UpdatePolicy } from '../../shared/update/release.manifest';
import type { UpdateStatus } from '../../shared/update/update.status';
import type { Logger } from '../services/log/logger';
import { shippedReleaseKeys, type ReleasePublicKey } from '../services/update/release.keys';
import { checkReleaseFile, manifestFile, type VerifiedManifest } from '../services/update/release.verify';
import { hashFile, type FeedOptions } from '../services/update/update.feed';
import { checkForRelease, UpdateStatusHub, type UpdateCheck, type Updater } from '../services/update/updater';

/**
 * The Updater on electron-updater. electron-updater downloads and installs; it is allowed to do so only
 * for the release whose signed manifest our verifier accepted: its `isUpdateSupported` hook admits only
 * that version and those hashes, and the downloaded files are hashed against the signed manifest again
 * before install-on-quit is armed.
 */

/** What electron-updater tells us about the release it found in its own feed (latest*.yml). */
export interface FeedUpdateInfo {
  readonly version: string;
  readonly files: readonly { readonly url: string; readonly sha512: string; readonly size?: number }[];
}

/** The part of electron-updater's `AppUpdater` this module drives (a fake in tests). */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowPrerelease: boolean;
  allowDowngrade: boolean;
  channel: string | null;
  isUpdateSupported(info: FeedUpdateInfo): boolean | Promise<boolean>;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<{
    readonly isUpdateAvailable: boolean;
    readonly updateInfo: FeedUpdateInfo;
  } | null>;
  downloadUpdate(): Promise<string[]>;
}

export interface ElectronUpdaterOptions {
  readonly feed: FeedOptions;
  readonly policy: UpdatePolicy;
  readonly runningVersion: string;
  readonly logger: Logger;
  /** Defaults to the keys the app ships. */
  readonly keys?: readonly ReleasePublicKey[];
}

/** True when electron-updater's release is exactly the signed one: same version, every file hashed alike. */
export function matchesSignedRelease(info: FeedUpdateInfo, manifest: ReleaseManifest): boolean {
  if (info.version !== manifest.version || info.files.length === 0) return false;
  return info.files.every((f) => {
    const signed = manifest.files.find((s) => s.url === path.posix.basename(f.url));
    return (
      signed !== undefined && signed.sha512 === f.sha512 && (f.size === undefined || f.size === signed.size)
    );
  });
}

class ElectronUpdater implements Updater {
  private readonly hub = new UpdateStatusHub();
  private found: VerifiedManifest | null = null;
  private ready = false;

  constructor(
    private readonly auto: AutoUpdaterLike,
    private readonly options: ElectronUpdaterOptions,
  ) {
    auto.autoDownload = false;
    auto.autoInstallOnAppQuit = false;
    auto.setFeedURL({ provider: 'generic', url: options.feed.feedUrl });
    // electron-updater's channel setter turns downgrades on; set it first, then turn them off.
    auto.channel = options.policy.channel === 'stable' ? 'latest' : options.policy.channel;
    auto.allowPrerelease = options.policy.channel !== 'stable';
    auto.allowDowngrade = false;
    // Keep electron-updater's own check (minimum OS version) and add ours in front of it.
    const builtIn = auto.isUpdateSupported.bind(auto);
    auto.isUpdateSupported = async (info) =>
      this.found !== null && matchesSignedRelease(info, this.found.manifest) && (await builtIn(info));
    this.hub.on((status) =>
      options.logger.log(status.state === 'refused' ? 'warn' : 'info', 'update.status', {
        state: status.state,
        code: status.state === 'refused' ? status.error.code : null,
      }),
    );
    if (options.policy.disabled) this.hub.set({ state: 'disabled' });
  }

  status(): UpdateStatus {
    return this.hub.get();
  }

  onStatus(listener: (status: UpdateStatus) => void): () => void {
    return this.hub.on(listener);
  }

  async check(): Promise<UpdateCheck> {
    this.found = null;
    this.ready = false;
    this.auto.autoInstallOnAppQuit = false;
    if (this.options.policy.disabled) {
      this.hub.set({ state: 'disabled' });
      throw new AppError('UPDATE_DISABLED', 'Updates are turned off by policy.');
    }
    this.hub.set({ state: 'checking' });
    try {
      const result = await checkForRelease({
        feed: this.options.feed,
        policy: this.options.policy,
        runningVersion: this.options.runningVersion,
        keys: this.options.keys ?? shippedReleaseKeys(),
      });
      if (result.kind === 'none') {
        this.hub.set({ state: 'up-to-date', version: result.version });
        return result;
      }
      this.found = result.release;
      const offered = await this.auto.checkForUpdates();
      if (!offered?.isUpdateAvailable || !matchesSignedRelease(offered.updateInfo, result.release.manifest)) {
        throw new AppError('UPDATE_HASH_MISMATCH', 'The update feed does not offer the signed release.');
      }
      this.hub.set({ state: 'available', version: result.release.manifest.version });
      return result;
    } catch (error) {
      this.found = null;
      throw this.hub.refuse(error);
    }
  }

  async download(): Promise<void> {
    const found = this.found;
    if (!found) throw new AppError('VALIDATION', 'There is no verified update to download.');
    const version = found.manifest.version;
    this.hub.set({ state: 'downloading', version });
    try {
      // electron-updater registers its quit-time installer only if the flag is on when a download
      // completes, and reads the flag again at quit: on for the download, off until our own check passed.
      // (On macOS Squirrel stages the update itself; there the pre-download gate is what holds.)
      this.auto.autoInstallOnAppQuit = true;
      const files = await this.auto
        .downloadUpdate()
        .catch((cause: unknown) => {
          throw new AppError('UPDATE_OFFLINE', 'The update download failed.', { cause });
        })
        .finally(() => {
          this.auto.autoInstallOnAppQuit = false;
        });
      if (files.length === 0) throw new AppError('UPDATE_HASH_MISMATCH', 'Nothing was downloaded.');
      for (const file of files) {
        checkReleaseFile(await hashFile(file), manifestFile(found.manifest, path.basename(file)));
      }
      this.ready = true;
      this.hub.set({ state: 'ready', version });
    } catch (error) {
      this.found = null;
      throw this.hub.refuse(error);
    }
  }

  installOnQuit(): void {
    if (!this.ready) throw new AppError('VALIDATION', 'No verified update is ready to install.');
    this.auto.autoInstallOnAppQuit = true;
  }
}

/** An Updater driving `auto` (electron-updater's `autoUpdater`, or a fake). */
export function createElectronUpdater(auto: AutoUpdaterLike, options: ElectronUpdaterOptions): Updater {
  return new ElectronUpdater(auto, options);
}

/**
 * The shell's entry point: null in an unpackaged (development) app, which has no installer to update.
 * electron-updater is loaded only here, after `ready`, because it reads the app's paths when loaded.
 */
export async function startElectronUpdater(
  options: Omit<ElectronUpdaterOptions, 'runningVersion'>,
): Promise<Updater | null> {
  if (!app.isPackaged) return null;
  const { autoUpdater } = await import('electron-updater');
  return createElectronUpdater(autoUpdater, { ...options, runningVersion: app.getVersion() });
}
