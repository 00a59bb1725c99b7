import { AppError } from '../../../shared/errors';
import type { UpdatePolicy } from '../../../shared/update/release.manifest';
import { compareSemVer } from '../../../shared/update/semver';
import type { UpdateStatus } from '../../../shared/update/update.status';
import type { ReleasePublicKey } from './release.keys';
import { checkReleasePolicy, verifyManifestSignature, type VerifiedManifest } from './release.verify';
import { fetchSignedManifest, type FeedOptions } from './update.feed';

/** What a check found: nothing newer, or a verified release this device may install. */
export type UpdateCheck =
  | { readonly kind: 'none'; readonly version: string }
  | { readonly kind: 'available'; readonly release: VerifiedManifest };

/**
 * The app's updater seam. Implementations install nothing that `checkForRelease` did not verify.
 * Refusals reject with an `AppError` carrying an UPDATE_* code and are also reported as a `refused` status.
 */
export interface Updater {
  /** The latest status. */
  status(): UpdateStatus;
  /** Fetches and verifies the channel's signed manifest against the running version and policy. */
  check(): Promise<UpdateCheck>;
  /** Downloads the release the last check found; resolves once its file matched the signed hash. */
  download(): Promise<void>;
  /** Installs the downloaded, verified update when the app quits. Throws unless one is ready. */
  installOnQuit(): void;
  /** Subscribes to status changes; returns the unsubscribe function. */
  onStatus(listener: (status: UpdateStatus) => void): () => void;
}

/** Everything a check needs; `policy` is the plain result of managed policy. */
export interface UpdateCheckOptions {
  readonly feed: FeedOptions;
  readonly policy: UpdatePolicy;
  readonly runningVersion: string;
  readonly keys: readonly ReleasePublicKey[];
}

/**
 * One verified check. "No updates" makes no request at all. The same version is "none" (after its
 * signature verified); an older one, another channel or one above the pin is refused.
 */
export async function checkForRelease(options: UpdateCheckOptions): Promise<UpdateCheck> {
  if (options.policy.disabled) throw new AppError('UPDATE_DISABLED', 'Updates are turned off by policy.');
  const raw = await fetchSignedManifest(options.feed, options.policy.channel);
  const verified = verifyManifestSignature(raw, options.keys);
  if (compareSemVer(verified.manifest.version, options.runningVersion) === 0) {
    return { kind: 'none', version: options.runningVersion };
  }
  checkReleasePolicy(verified.manifest, options.runningVersion, options.policy);
  return { kind: 'available', release: verified };
}

/** Holds the current status and tells listeners; a listener that throws does not stop the others. */
export class UpdateStatusHub {
  private current: UpdateStatus = { state: 'idle' };
  private readonly listeners = new Set<(status: UpdateStatus) => void>();

  get(): UpdateStatus {
    return this.current;
  }

  set(status: UpdateStatus): void {
    this.current = status;
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch {
        // A broken listener must not keep the updater from reporting to the rest.
      }
    }
  }

  /** Reports a failure as `refused` and returns it as an AppError to rethrow. */
  refuse(error: unknown): AppError {
    const appError =
      error instanceof AppError ? error : new AppError('INTERNAL', 'The update failed.', { cause: error });
    this.set({ state: 'refused', error: appError.toInfo() });
    return appError;
  }

  on(listener: (status: UpdateStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
