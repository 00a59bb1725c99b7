import type { ChannelName } from '../../../shared/ipc/contract';
import type { Handler, Handlers } from '../ipc/router';
import type { Logger } from '../log/logger';
import { requireExportRight, type ExportKind, type PolicyReader } from '../policy/policy.guards';
import {
  assertConfirmed,
  type AuthFailureCode,
  type AuthReason,
  type OsAuthenticator,
} from './os-authenticator';

/** How the vault opens: the keychain alone, or the keychain after the OS confirmed the user. */
export type UnlockMethod = 'keychain' | 'os-authentication';

export interface UserPresenceOptions {
  /** The host's OS check; absent in unit tests that do not exercise it. */
  readonly authenticator?: OsAuthenticator;
  readonly policy: PolicyReader;
  readonly logger: Logger;
  /** Called after each check with its outcome (the audit log listens). */
  readonly onChecked?: (reason: AuthReason, outcome: 'ok' | AuthFailureCode) => void;
}

/**
 * The one guard in main that unlock and every sensitive action go through. The method is IT's
 * `requiredUnlockMethod` when set; otherwise `os-authentication` whenever the host has an OS check
 * (the shipped app always does), `keychain` only where it has none. When the method is
 * `os-authentication` and the OS does not confirm, the typed error (`AUTH_DENIED`, `AUTH_CANCELLED`,
 * `AUTH_UNAVAILABLE`) is thrown before anything is opened or changed.
 */
export class UserPresence {
  constructor(private readonly options: UserPresenceOptions) {}

  /** IT's policy, as this guard reads it. */
  get policy(): PolicyReader {
    return this.options.policy;
  }

  /** The method in force now. */
  async method(): Promise<UnlockMethod> {
    const { values } = await this.options.policy.ready();
    if (values.requiredUnlockMethod) return values.requiredUnlockMethod;
    const auth = this.options.authenticator;
    return auth && auth.kind !== 'unsupported' ? 'os-authentication' : 'keychain';
  }

  /** Resolves once the OS confirmed the user (or the method needs no check); throws the typed error otherwise. */
  async confirm(reason: AuthReason): Promise<void> {
    if ((await this.method()) === 'keychain') return;
    const auth = this.options.authenticator;
    if (!auth) {
      this.report(reason, 'AUTH_UNAVAILABLE');
      assertConfirmed({
        ok: false,
        code: 'AUTH_UNAVAILABLE',
        message: 'Your organization requires an OS check this host does not have',
      });
      return;
    }
    const result = await auth.authenticate(reason);
    this.report(reason, result.ok ? 'ok' : result.code);
    assertConfirmed(result);
  }

  private report(reason: AuthReason, outcome: 'ok' | AuthFailureCode): void {
    this.options.logger.log(outcome === 'ok' ? 'info' : 'warn', 'auth.checked', { reason, outcome });
    this.options.onChecked?.(reason, outcome);
  }
}

/**
 * Sensitive channels that live in other domains (their handlers stay unaware): export, erasing a
 * person, revoking a device, rotating the workspace key. The vault's own sensitive operations check inside `VaultService`.
 */
export const SENSITIVE_CHANNELS = {
  'export.csv': 'export',
  'export.vcard': 'export',
  'privacy.exportPerson': 'export',
  'privacy.erasePerson': 'erase',
  'devices.revoke': 'revoke-device',
  'audit.export': 'export',
  'sync.rotateKey': 'rotate-key',
} as const satisfies Partial<Record<ChannelName, AuthReason>>;

/** Exports IT's policy may forbid outright: checked before the OS is asked, so nobody is prompted for nothing. */
const EXPORT_KINDS: Partial<Record<ChannelName, ExportKind>> = {
  'export.csv': 'records',
  'export.vcard': 'records',
  'privacy.exportPerson': 'person',
  'audit.export': 'records',
};

function guarded<C extends ChannelName>(
  channel: C,
  handler: Handler<C>,
  presence: UserPresence,
  reason: AuthReason,
): Handler<C> {
  const exportKind = EXPORT_KINDS[channel];
  return async (input, ctx) => {
    if (exportKind) await requireExportRight(presence.policy, exportKind);
    await presence.confirm(reason);
    return handler(input, ctx);
  };
}

/** The handler map with every channel of `SENSITIVE_CHANNELS` behind `presence.confirm`. */
export function guardSensitiveHandlers(handlers: Handlers, presence: UserPresence): Handlers {
  return {
    ...handlers,
    'export.csv': guarded('export.csv', handlers['export.csv'], presence, SENSITIVE_CHANNELS['export.csv']),
    'export.vcard': guarded(
      'export.vcard',
      handlers['export.vcard'],
      presence,
      SENSITIVE_CHANNELS['export.vcard'],
    ),
    'privacy.exportPerson': guarded(
      'privacy.exportPerson',
      handlers['privacy.exportPerson'],
      presence,
      SENSITIVE_CHANNELS['privacy.exportPerson'],
    ),
    'privacy.erasePerson': guarded(
      'privacy.erasePerson',
      handlers['privacy.erasePerson'],
      presence,
      SENSITIVE_CHANNELS['privacy.erasePerson'],
    ),
    'devices.revoke': guarded(
      'devices.revoke',
      handlers['devices.revoke'],
      presence,
      SENSITIVE_CHANNELS['devices.revoke'],
    ),
    'audit.export': guarded(
      'audit.export',
      handlers['audit.export'],
      presence,
      SENSITIVE_CHANNELS['audit.export'],
    ),
    'sync.rotateKey': guarded(
      'sync.rotateKey',
      handlers['sync.rotateKey'],
      presence,
      SENSITIVE_CHANNELS['sync.rotateKey'],
    ),
  };
}
