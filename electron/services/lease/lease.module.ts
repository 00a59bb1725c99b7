import type { leaseChannels } from '../../../shared/ipc/channels/lease.channels';
import type { Db } from '../db/database';
import type { ModuleContext, ServiceModule } from '../module';
import type { PolicyService } from '../policy/policy.service';
import type { VaultAccess } from '../vault/vault.access';
import type { ReleaseGate } from '../vault/vault.internals';
import { LeaseService } from './lease.service';

export type LeaseChannelName = keyof typeof leaseChannels;

export interface LeaseModuleOptions {
  /** How often main looks at the lease while unlocked (default 60 s). */
  readonly tickMs?: number;
  /** How often main checks in while unlocked (default 1 h). */
  readonly checkInEveryMs?: number;
  readonly checkIn?: (db: Db) => Promise<number>;
}

/**
 * The offline lease: the vault's release gate, `lease.status` for the lock screen, and, while the
 * vault is unlocked, a periodic check-in and a lock (`lease-expired`) once the lease runs out.
 */
export function createLeaseModule(
  ctx: ModuleContext,
  vaultDir: string,
  policy: PolicyService,
  options: LeaseModuleOptions = {},
): ServiceModule<LeaseChannelName> & {
  readonly service: LeaseService;
  readonly gate: ReleaseGate;
  attach(vault: VaultAccess, lock: () => Promise<unknown>): void;
} {
  const service = new LeaseService({
    vaultDir,
    policy: () => policy.current().values,
    logger: ctx.logger,
    now: ctx.now,
    checkIn: options.checkIn,
  });
  let timer: ReturnType<typeof setInterval> | null = null;
  const unsubscribe: (() => void)[] = [];
  let lastCheckIn = Number.NEGATIVE_INFINITY;
  let ticking = false;
  // Opened past the lease with the recovery code IT allows: not locked again for it until a lock.
  let override = false;

  return {
    service,
    gate: async (db, via) => {
      await policy.ready();
      override = (await service.gate(db, via)) === 'override';
      lastCheckIn = ctx.now();
    },
    attach(vault, lock) {
      const tick = async (): Promise<void> => {
        if (ticking || !vault.isUnlocked()) return;
        ticking = true;
        try {
          const due = ctx.now() - lastCheckIn >= (options.checkInEveryMs ?? 3_600_000);
          if (due) lastCheckIn = ctx.now();
          const state = await service.tick(vault.db(), due);
          if (state === 'ok') override = false;
          if (state === 'expired' && !override && vault.isUnlocked()) {
            ctx.logger.log('warn', 'lease.expiredWhileUnlocked', {});
            await lock();
          }
        } catch {
          // Locked meanwhile: nothing to do.
        } finally {
          ticking = false;
        }
      };
      timer = setInterval(() => void tick(), options.tickMs ?? 60_000);
      timer.unref?.();
      unsubscribe.push(
        vault.onLocking(() => {
          override = false;
          service.beforeLock(vault.db());
        }),
      );
    },
    handlers: {
      'lease.status': async () => {
        await policy.ready();
        return service.status();
      },
    },
    dispose() {
      if (timer) clearInterval(timer);
      timer = null;
      for (const u of unsubscribe.splice(0)) u();
    },
  };
}
