import type { Db } from '../../../../../electron/services/db/database';
import type { IpcRouter } from '../../../../../electron/services/ipc/router';
import { MemoryKeychain } from '../../../../../electron/services/keychain/keychain.memory';
import type { Services, ServiceTuning } from '../../../../../electron/services/services';
import type { Result } from '../../../../../shared/errors';
import type { ChannelName, ChannelOutput, EventName } from '../../../../../shared/ipc/contract';
import { createTestServices, testSender } from '../../../support/router';
import { tempDir } from '../../../support/tmp';
import { TEST_KDF } from '../../../support/vault';

export interface CrmFixture {
  /** The open vault database (for assertions on stored rows). */
  readonly db: Db;
  readonly services: Services;
  readonly router: IpcRouter;
  readonly events: { event: EventName; payload: unknown }[];
  /** Calls a channel through the router; returns the envelope. */
  call<C extends ChannelName>(channel: C, input: unknown): Promise<Result<ChannelOutput<C>>>;
  /** Calls a channel and throws unless it succeeded. */
  ok<C extends ChannelName>(channel: C, input: unknown): Promise<ChannelOutput<C>>;
}

/**
 * The shipped composition root over a fresh data directory with an unlocked vault (real encrypted
 * SQLite); only the keychain seam is the in-memory test implementation. Channels go through the
 * real router.
 */
export async function createCrmFixture(
  options: { now?: () => number; dir?: string; tuning?: ServiceTuning } = {},
): Promise<CrmFixture> {
  const dir = options.dir ?? tempDir('fv-crm-');
  const services = createTestServices(dir, {
    keychain: new MemoryKeychain(),
    ...(options.now ? { now: options.now } : {}),
    tuning: { autoSync: false, recoveryKdf: TEST_KDF, ...options.tuning },
  });
  const events: { event: EventName; payload: unknown }[] = [];
  services.router.onEvent((event, payload) => events.push({ event, payload }));
  const r = services.router;
  const call = async <C extends ChannelName>(channel: C, input: unknown) =>
    (await r.dispatch(channel, input, testSender)) as Result<ChannelOutput<C>>;
  const setup = await call('vault.setup', undefined);
  if (!setup.ok) throw new Error(`vault.setup failed: ${setup.error.code}`);
  return {
    get db() {
      return services.parts.vault.access.db();
    },
    services,
    router: r,
    events,
    call,
    async ok<C extends ChannelName>(channel: C, input: unknown) {
      const res = await call<C>(channel, input);
      if (!res.ok) throw new Error(`${channel} failed: ${res.error.code} ${res.error.message}`);
      return res.value;
    },
  };
}

/**
 * Throws unless every full-text index holds exactly the terms of the search documents it indexes
 * (FTS5 integrity-check against the external content: a stale or missing entry is an error).
 */
export function checkSearchIndex(db: Db): void {
  for (const t of ['crm_search_names', 'crm_search_text', 'crm_search_tri'])
    db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
}
