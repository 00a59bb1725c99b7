import { AppError } from '../../../shared/errors';
import type { Logger } from '../log/logger';
import type { SyncMembership } from './sync.membership';
import type { SyncSession } from './sync.session';

/** What the revocation guard needs of the engine. */
export interface RevocationDeps {
  readonly session: SyncSession;
  readonly membership: SyncMembership;
  readonly logger: Logger;
  /** Destroys the vault (the composition root's wipe). */
  wipe(): Promise<void>;
  /** The verified revocation is about to wipe: the engine records the status and stops its work. */
  stopping(): void;
  /** The wipe ran (or failed): the engine reports its final status. */
  wiped(): void;
}

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : 'INTERNAL');

/**
 * The only path to a wipe. A DEVICE_REVOKED answer is a claim: the device fetches the signed
 * membership log (revoked devices may still read it) and wipes itself only if the verified log holds
 * its revocation. Otherwise (a lying server, a proxy, a forged 403) it is locked out: nothing is
 * deleted, the status says so, and retries go on.
 */
export class SyncRevocation {
  /** The verified log revoked this device and its vault was wiped. */
  revoked = false;
  /** The server refused this device without a verified revocation: data kept, retries go on. */
  lockedOut = false;

  constructor(private readonly deps: RevocationDeps) {}

  /** Runs a request; a DEVICE_REVOKED answer wipes (verified) or locks out (not verified). */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.lockedOut = false;
      return result;
    } catch (error) {
      const e =
        error instanceof AppError
          ? error
          : new AppError('INTERNAL', 'Sync failed unexpectedly', { cause: error });
      if (e.code !== 'DEVICE_REVOKED') throw e;
      if (await this.verified()) {
        await this.wipeSelf();
        throw e;
      }
      this.lockedOut = true;
      this.deps.logger.log('warn', 'sync.lockedOut', {
        deviceId: this.deps.session.workspace?.deviceId ?? null,
      });
      throw new AppError(
        'SYNC_LOCKED_OUT',
        'The server refuses this device, but no signed revocation exists; your data and edits are kept',
      );
    }
  }

  /** True when the freshly fetched, verified membership log revokes this device. */
  private async verified(): Promise<boolean> {
    try {
      await this.deps.membership.refresh();
    } catch (error) {
      this.deps.logger.log('warn', 'sync.revocationUnverified', { code: codeOf(error) });
    }
    try {
      return this.deps.membership.selfRevoked();
    } catch {
      return false;
    }
  }

  /**
   * Wipes this device's vault once; call only when the verified log holds its revocation (or this
   * device signed its own). Forgets the session and the membership afterwards, wipe or no wipe.
   */
  async wipeSelf(): Promise<void> {
    if (this.revoked) return;
    this.revoked = true;
    this.deps.logger.log('warn', 'sync.deviceRevoked', {
      deviceId: this.deps.session.workspace?.deviceId ?? null,
    });
    this.deps.stopping();
    try {
      await this.deps.wipe();
    } finally {
      this.deps.session.forget();
      this.deps.membership.forget();
      this.deps.wiped();
    }
  }
}
