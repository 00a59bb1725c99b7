import type { Logger } from '../log/logger';
import type { LockReason } from './vault.internals';
import type { SessionSignals } from './vault.session';

export interface AutoLockOptions {
  readonly session: SessionSignals;
  /** The effective lock timeout (settings, or IT's policy when it manages it); 0 means never. */
  readonly timeoutMinutes: () => number;
  readonly isUnlocked: () => boolean;
  readonly lock: (reason: LockReason) => Promise<unknown>;
  readonly logger: Logger;
  /** How often the system idle time is read (default 5 s). */
  readonly pollMs?: number;
}

/**
 * Locking in main: the vault locks when the OS session has been idle for the timeout, and at once on
 * suspend (and lid close) or screen lock. Nothing here depends on the renderer.
 */
export class AutoLock {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private locking = false;

  constructor(private readonly options: AutoLockOptions) {}

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.options.session.onEvent((event) => this.lock(event));
    this.timer = setInterval(() => this.check(), this.options.pollMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One idle check (the timer calls it; tests may too). */
  check(): void {
    if (!this.options.isUnlocked()) return;
    const minutes = this.options.timeoutMinutes();
    if (minutes <= 0) return;
    let idle: number;
    try {
      idle = this.options.session.idleSeconds();
    } catch {
      this.options.logger.log('warn', 'vault.idleUnreadable', {});
      return;
    }
    if (idle >= minutes * 60) this.lock('timeout');
  }

  private lock(reason: LockReason): void {
    if (this.locking || !this.options.isUnlocked()) return;
    this.locking = true;
    void this.options
      .lock(reason)
      .catch(() => this.options.logger.log('error', 'vault.autoLockFailed', { reason }))
      .finally(() => (this.locking = false));
  }
}
