import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../../../shared/ipc/contract';
import { createAuthModule } from '../../../../electron/services/auth/auth.module';
import type { OsAuthenticator } from '../../../../electron/services/auth/os-authenticator';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../../../electron/services/log/logger';
import type { ModuleContext } from '../../../../electron/services/module';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import { createPolicyModule } from '../../../../electron/services/policy/policy.module';
import { createVaultModule } from '../../../../electron/services/vault/vault.module';
import type { SessionSignals } from '../../../../electron/services/vault/vault.session';
import { notesMigrations, TEST_KDF } from '../../support/vault';

/** A keychain that counts reads, to prove a refused check never reached it. */
export class CountingKeychain implements Keychain {
  reads = 0;
  constructor(private readonly inner: Keychain = new MemoryKeychain()) {}
  get(account: string): Promise<Uint8Array | null> {
    this.reads += 1;
    return this.inner.get(account);
  }
  set(account: string, secret: Uint8Array): Promise<void> {
    return this.inner.set(account, secret);
  }
  delete(account: string): Promise<boolean> {
    return this.inner.delete(account);
  }
}

/** The vault, policy and auth modules wired as the composition root wires them, over a temp dir. */
export function composeVault(options: {
  authenticator?: OsAuthenticator;
  session?: SessionSignals;
  policy?: MemoryPolicySource;
  autoLockPollMs?: number;
}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fv-presence-'));
  const events: { event: EventName; payload: unknown }[] = [];
  const ctx: ModuleContext = {
    dataDir,
    logger: silentLogger,
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void events.push({ event, payload }),
    now: Date.now,
  };
  const source = options.policy ?? new MemoryPolicySource();
  const policy = createPolicyModule(ctx, source);
  const auth = createAuthModule(ctx, policy.service, {
    authenticator: options.authenticator,
    session: options.session,
    autoLockPollMs: options.autoLockPollMs,
  });
  const keychain = new CountingKeychain();
  const vault = createVaultModule(ctx, {
    keychain,
    migrations: [notesMigrations],
    backupRetention: () => ({ keep: policy.service.current().values.backupRetentionCount }),
    recoveryKdf: TEST_KDF,
    ...auth.vaultOptions,
  });
  return {
    dataDir,
    events,
    keychain,
    source,
    auth,
    vault,
    dispose: async (): Promise<void> => {
      await vault.dispose();
      await policy.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` holds (generous deadline; never a timing assertion). */
export async function until(probe: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
