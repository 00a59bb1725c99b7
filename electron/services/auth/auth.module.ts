import type { Handlers } from '../ipc/router';
import type { ModuleContext } from '../module';
import type { PolicyService } from '../policy/policy.service';
import { readSettings } from '../settings/settings.module';
import { applyPolicyToSettings } from '../../../shared/policy/policy.settings';
import type { VaultModuleOptions } from '../vault/vault.module';
import type { SessionSignals } from '../vault/vault.session';
import type { OsAuthenticator } from './os-authenticator';
import { guardSensitiveHandlers, UserPresence } from './user-presence';

/** What the host passes for the OS user check and locking in main (`ServiceOptions`). */
export interface AuthInputs {
  /** The OS check (polkit, Touch ID, …; the scripted double in the dev host's tests). */
  readonly authenticator?: OsAuthenticator;
  /** System idle time and session events (Electron's powerMonitor; a control file in the dev host). */
  readonly session?: SessionSignals;
  /** How often main reads the idle time (default 5 s). */
  readonly autoLockPollMs?: number;
}

export interface AuthModule {
  readonly presence: UserPresence;
  /** The vault module's share: the guard, the session signals and the effective lock timeout. */
  readonly vaultOptions: Pick<
    VaultModuleOptions,
    'presence' | 'session' | 'lockTimeoutMinutes' | 'autoLockPollMs'
  >;
  /** The handler map with export, erase and device revocation behind the OS check. */
  guard(handlers: Handlers): Handlers;
}

/**
 * The OS user check and main's lock timer, wired once for the composition root: `UserPresence`
 * over the host's authenticator and IT's `requiredUnlockMethod`, and the lock timeout as the
 * settings module shows it (the user's value, or IT's when the policy manages it).
 */
export function createAuthModule(ctx: ModuleContext, policy: PolicyService, inputs: AuthInputs): AuthModule {
  const presence = new UserPresence({ authenticator: inputs.authenticator, policy, logger: ctx.logger });
  // Say once, where an operator reads it, that this host opens the vault without asking the OS.
  if (!inputs.authenticator || inputs.authenticator.kind === 'unsupported') {
    ctx.logger.log('warn', 'auth.noOsCheck', { kind: inputs.authenticator?.kind ?? 'none' });
  }
  return {
    presence,
    vaultOptions: {
      presence,
      session: inputs.session,
      lockTimeoutMinutes: () =>
        applyPolicyToSettings(readSettings(ctx.dataDir), policy.current().values).lockTimeoutMinutes,
      autoLockPollMs: inputs.autoLockPollMs,
    },
    guard: (handlers) => guardSensitiveHandlers(handlers, presence),
  };
}
