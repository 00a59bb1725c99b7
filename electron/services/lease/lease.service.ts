import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { LeaseStatus } from '../../../shared/ipc/channels/lease.channels';
import type { Policy } from '../../../shared/policy/policy.schema';
import type { Db } from '../db/database';
import type { Logger } from '../log/logger';
import type { ReleaseVia } from '../vault/vault.internals';
import { writeFileAtomic } from '../vault/vault.files';
import { checkIn, workspaceOf } from './lease.checkin';
import { LeaseRepository, type LeaseRecord } from './lease.repository';

const DAY_MS = 86_400_000;

export interface LeaseServiceOptions {
  /** The vault directory: `lease.json` there is the lock screen's copy of the record. */
  readonly vaultDir: string;
  readonly policy: () => Policy;
  readonly logger: Logger;
  readonly now: () => number;
  /** The check-in (tests may point it elsewhere; the app always uses the real one). */
  readonly checkIn?: (db: Db) => Promise<number>;
}

/** `lease.json`: for display while locked and as a second high-water mark; never trusted to extend the lease. */
interface LeaseFile {
  readonly lastContactMs: number | null;
  readonly highWaterMs: number;
  readonly managed: boolean;
}

/**
 * The offline lease (issue 13): with IT's `offlineLeaseDays` N, a device whose sync server has not
 * answered it as a member for N days does not release its vault. Main opens the vault only to check
 * in (`checkIn`, signed with the device key from inside the vault) and releases it to the rest of the
 * app only if the server answered; otherwise the vault closes again and every key is zeroed. The
 * recovery code also unlocks when IT's `leaseRecovery` is `allowed`.
 *
 * The record lives inside the encrypted vault (`lease_state`), so neither the renderer (which has no
 * channel to move it) nor anyone without the vault key can change it. Days are counted from the last
 * contact (server time) to the highest time ever seen (local clock, server clock, the record and the
 * lock screen's copy), so turning the clock back never gives days back. A successful check-in resets
 * both to the server's time.
 */
export class LeaseService {
  constructor(private readonly options: LeaseServiceOptions) {}

  private get file(): string {
    return path.join(this.options.vaultDir, 'lease.json');
  }

  private days(): number | null {
    return this.options.policy().offlineLeaseDays ?? null;
  }

  private recoveryAllowed(): boolean {
    return this.options.policy().leaseRecovery === 'allowed';
  }

  private readFile(): LeaseFile | null {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<LeaseFile>;
      const hw = Number(v.highWaterMs);
      if (!Number.isSafeInteger(hw)) return null;
      const last = v.lastContactMs === null ? null : Number(v.lastContactMs);
      return {
        highWaterMs: hw,
        lastContactMs: last !== null && Number.isSafeInteger(last) ? last : null,
        managed: v.managed === true,
      };
    } catch {
      return null;
    }
  }

  private save(db: Db, record: LeaseRecord, managed: boolean): void {
    new LeaseRepository(db).write(record);
    try {
      writeFileAtomic(this.file, JSON.stringify({ ...record, managed } satisfies LeaseFile) + '\n');
    } catch {
      this.options.logger.log('warn', 'lease.fileFailed', {});
    }
  }

  /** The record with its high-water mark raised to every time seen now. */
  private current(db: Db): LeaseRecord {
    const stored = new LeaseRepository(db).read();
    const now = this.options.now();
    const fileHw = this.readFile()?.highWaterMs ?? 0;
    // First sight of a lease (policy just set, or a vault from before it): the lease starts now.
    const last = stored?.lastContactMs ?? Math.max(now, fileHw);
    return { lastContactMs: last, highWaterMs: Math.max(now, fileHw, stored?.highWaterMs ?? 0, last) };
  }

  private expired(record: LeaseRecord, days: number): boolean {
    return record.highWaterMs - record.lastContactMs > days * DAY_MS;
  }

  /** Records a check-in the server answered at `serverTime`. */
  private contact(db: Db, serverTime: number): void {
    this.save(db, { lastContactMs: serverTime, highWaterMs: serverTime }, this.days() !== null);
    this.options.logger.log('info', 'lease.checkedIn', {});
  }

  /**
   * The release gate (see the class comment); throws `LEASE_EXPIRED` to keep the vault locked.
   * Resolves with how it let the vault go: within the lease, after a check-in, or on the recovery
   * code IT allows (`override`: that session is not locked again for the lease it ran past).
   */
  async gate(db: Db, via: ReleaseVia): Promise<'within' | 'checked-in' | 'override'> {
    const days = this.days();
    const managed = days !== null && workspaceOf(db) !== null;
    const record = this.current(db);
    if (!managed || !this.expired(record, days)) {
      this.save(db, record, managed);
      return 'within';
    }
    let serverTime: number;
    try {
      serverTime = await (this.options.checkIn ?? ((d) => checkIn(d, this.options.now)))(db);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      this.save(db, record, managed);
      this.options.logger.log('warn', 'lease.checkInFailed', { code });
      // A device the server refuses is not let in by the recovery code either.
      if (via === 'recovery' && this.recoveryAllowed() && code !== 'DEVICE_REVOKED') {
        this.options.logger.log('warn', 'lease.recoveryUnlock', {});
        return 'override';
      }
      const next = this.recoveryAllowed()
        ? 'connect to the network and unlock again, or unlock with your recovery code'
        : 'connect to the network and unlock again; if that keeps failing, contact your IT department';
      throw new AppError(
        'LEASE_EXPIRED',
        code === 'DEVICE_REVOKED'
          ? 'The sync server no longer accepts this device: contact your IT department'
          : `This device has not reached its sync server for more than ${days} days: ${next}`,
      );
    }
    this.contact(db, serverTime);
    return 'checked-in';
  }

  /**
   * While unlocked: check in now and then (keeps the lease fresh), and report whether the lease has run
   * out anyway (the caller then locks). Failures to reach the server are normal offline life.
   */
  async tick(db: Db, checkInNow: boolean): Promise<'ok' | 'expired'> {
    const days = this.days();
    if (days === null || workspaceOf(db) === null) return 'ok';
    if (checkInNow) {
      try {
        this.contact(db, await (this.options.checkIn ?? ((d) => checkIn(d, this.options.now)))(db));
        return 'ok';
      } catch {
        // offline: counted below
      }
    }
    const record = this.current(db);
    this.save(db, record, true);
    return this.expired(record, days) ? 'expired' : 'ok';
  }

  /** Raises the high-water mark before the vault closes. */
  beforeLock(db: Db): void {
    try {
      this.save(db, this.current(db), this.days() !== null && workspaceOf(db) !== null);
    } catch {
      this.options.logger.log('warn', 'lease.recordFailed', {});
    }
  }

  /** What the lock screen shows: from the lock screen's copy (the vault may be locked). */
  status(): LeaseStatus {
    const days = this.days();
    const file = this.readFile();
    const recoveryAllowed = this.recoveryAllowed();
    if (days === null || (file !== null && !file.managed)) {
      return { state: 'not_managed', days, lastContactAt: null, expiresAt: null, recoveryAllowed };
    }
    const last = file?.lastContactMs ?? null;
    if (last === null) return { state: 'ok', days, lastContactAt: null, expiresAt: null, recoveryAllowed };
    const seen = Math.max(this.options.now(), file?.highWaterMs ?? 0);
    return {
      state: seen - last > days * DAY_MS ? 'expired' : 'ok',
      days,
      lastContactAt: new Date(last).toISOString(),
      expiresAt: new Date(last + days * DAY_MS).toISOString(),
      recoveryAllowed,
    };
  }
}
