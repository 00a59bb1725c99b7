import type {
  AuditDetails,
  AuditEventType,
  AuditOutcome,
  AuditVerifyOutput,
} from '../../../shared/audit/audit.schemas';
import { AppError, type ErrorCode } from '../../../shared/errors';
import { readableDateTime } from '../crm/export.csv';
import type {
  ChannelName,
  ChannelOutput,
  EventName,
  EventPayload,
  ParsedInput,
} from '../../../shared/ipc/contract';
import type { CallContext, Handler, Handlers } from '../ipc/router';
import { toCefLine, toJsonLine } from './audit.export';
import type { AuditService, AuditSink } from './audit.service';

/** How one channel's call becomes an audit event: its type and the small facts of a success. */
interface Rule<C extends ChannelName> {
  readonly type: AuditEventType;
  readonly details?: (input: ParsedInput<C>, output: ChannelOutput<C>) => AuditDetails;
  /** The call may open an older copy of the vault on purpose (restore, recovery). */
  readonly rewinds?: boolean;
  /** Nothing happens when the vault is already open (an unlock then only reports the status). */
  readonly noopWhenUnlocked?: boolean;
}

type Rules = { readonly [C in ChannelName]?: Rule<C> };

/**
 * The security-relevant channels and what each records. Details are only enums, counts and device
 * ids: never an input's customer text, a code or a key.
 */
const RULES: Rules = {
  'vault.setup': { type: 'vault.setup' },
  'vault.unlock': { type: 'vault.unlock', noopWhenUnlocked: true },
  'vault.recover': { type: 'recovery.used', rewinds: true },
  'vault.renewRecoveryCode': { type: 'recovery.renewed' },
  'vault.backup': { type: 'vault.backup' },
  'vault.restore': { type: 'vault.restore', rewinds: true },
  'vault.rekey': { type: 'vault.rekey' },
  'export.csv': {
    type: 'data.export',
    details: (input, out) => ({ exportKind: 'csv', entity: input.entity, count: out.count }),
  },
  'export.vcard': {
    type: 'data.export',
    details: (_input, out) => ({ exportKind: 'vcard', entity: 'contact', count: out.count }),
  },
  'agenda.exportIcs': {
    type: 'data.export',
    details: (_input, out) => ({ exportKind: 'ics', entity: 'activity', count: out.count }),
  },
  'activities.exportIcs': {
    type: 'data.export',
    details: (_input, out) => ({ exportKind: 'ics', entity: 'activity', count: out.count }),
  },
  'privacy.exportPerson': {
    type: 'data.export',
    details: () => ({ exportKind: 'person', entity: 'person', count: 1 }),
  },
  'import.commit': {
    type: 'data.import',
    details: (input, out) => ({ entity: input.entity ?? 'contact', count: out.created }),
  },
  'privacy.erasePerson': {
    type: 'privacy.erase',
    details: (_input, out) => ({ entity: 'person', count: out.recordsErased }),
  },
  'workspace.create': { type: 'device.joined' },
  'invites.accept': { type: 'device.joined' },
  'invites.create': { type: 'device.invited', details: (input) => ({ role: input.role }) },
  'devices.revoke': { type: 'device.revoked', details: (input) => ({ deviceId: input.deviceId }) },
  'devices.setRole': {
    type: 'device.roleChanged',
    details: (input) => ({ deviceId: input.deviceId, role: input.role }),
  },
  'vault.unlockWithPin': { type: 'vault.unlock', noopWhenUnlocked: true },
  'vault.pin.set': { type: 'unlocker.changed' },
  'vault.pin.remove': { type: 'unlocker.changed' },
  'sync.rotateKey': { type: 'workspace.keyRotated' },
  'audit.export': {
    type: 'audit.exported',
    details: (input, out) => ({
      exportKind: input.format === 'cef' ? 'audit-cef' : 'audit-jsonl',
      count: out.count,
    }),
  },
};

const DENIED: readonly ErrorCode[] = [
  'AUTH_DENIED',
  'AUTH_CANCELLED',
  'AUTH_UNAVAILABLE',
  'POLICY_FORBIDDEN',
  'FORBIDDEN',
];

function failure(error: unknown): { outcome: AuditOutcome; details: AuditDetails } {
  const code: ErrorCode = error instanceof AppError ? error.code : 'INTERNAL';
  return { outcome: DENIED.includes(code) ? 'denied' : 'failed', details: { errorCode: code } };
}

function audited<C extends ChannelName>(
  handler: Handler<C>,
  rule: Rule<C>,
  sink: AuditSink,
  audit: AuditService,
): Handler<C> {
  return async (input, ctx) => {
    if (rule.noopWhenUnlocked && audit.vaultUnlocked()) return handler(input, ctx);
    try {
      const run = async () => handler(input, ctx);
      const output = rule.rewinds ? await audit.expectingRewind(run) : await run();
      sink.record({ type: rule.type, outcome: 'ok', details: rule.details?.(input, output) ?? {} });
      // A workspace just created or joined: follow its membership log from here on.
      if (rule.type === 'device.joined') audit.membershipMaybeChanged();
      return output;
    } catch (error) {
      sink.record({ type: rule.type, ...failure(error) });
      throw error;
    }
  };
}

/**
 * The handler map with every channel of `RULES` recording its outcome, success or failure (a refused
 * OS check or a policy refusal is `denied`). Wraps the guarded map, so refusals are recorded too.
 */
export function auditHandlers(handlers: Handlers, audit: AuditService): Handlers {
  const out: Record<string, unknown> = { ...handlers };
  const wrap = <C extends ChannelName>(channel: C): void => {
    const rule = RULES[channel];
    if (rule) out[channel] = audited(handlers[channel], rule, audit, audit);
  };
  for (const channel of Object.keys(RULES) as ChannelName[]) wrap(channel);
  // Calls after which the membership log may hold entries other devices signed.
  for (const channel of ['sync.now', 'devices.list'] as const) {
    const inner = handlers[channel];
    out[channel] = async (input: ParsedInput<typeof channel>, ctx: CallContext) => {
      const output = await (inner as (i: typeof input, c: CallContext) => unknown)(input, ctx);
      audit.membershipMaybeChanged();
      return output;
    };
  }
  return out as Handlers;
}

/**
 * Pushed events that are security events themselves (locks of any reason, policy changes), and sync
 * progress, after which membership changes signed by other devices are read from the log.
 */
export function auditEmitted<E extends EventName>(
  audit: AuditService,
  event: E,
  payload: EventPayload<E>,
): void {
  const sink: AuditSink = audit;
  if (event === 'vault.locked') {
    const { reason } = payload as EventPayload<'vault.locked'>;
    // A revoked device's vault is being destroyed: its log goes with it, nothing is queued.
    if (reason === 'revoked') {
      audit.wiped();
      return;
    }
    sink.record({ type: 'vault.lock', outcome: 'ok', details: { lockReason: reason } });
  } else if (event === 'sync.statusChanged') {
    audit.membershipMaybeChanged();
  } else if (event === 'policy.changed') {
    const view = payload as EventPayload<'policy.changed'>;
    sink.record({
      type: 'policy.changed',
      outcome: 'ok',
      details: { managedKeys: [...view.managed], restricted: view.restricted },
    });
  }
}

/** The audit domain's own channels. */
export function auditChannelHandlers(
  audit: AuditService,
  version: string,
): Pick<Handlers, 'audit.list' | 'audit.verify' | 'audit.export'> {
  return {
    'audit.list': ({ limit, ...filter }) => audit.list(filter, limit),
    'audit.verify': (): Promise<AuditVerifyOutput> => audit.verify(),
    'audit.export': async ({ format, ...filter }) => {
      const lines: string[] = [];
      for await (const event of audit.matching(filter)) {
        lines.push(format === 'cef' ? toCefLine(event, version) : toJsonLine(event));
      }
      // The day where the user is (main runs in the OS's time zone), not the UTC one.
      const stamp = readableDateTime(Date.now()).slice(0, 10);
      return {
        filename: `fieldvault-security-log-${stamp}.${format === 'cef' ? 'cef' : 'jsonl'}`,
        mimeType: format === 'cef' ? 'text/plain' : 'application/x-ndjson',
        content: lines.length > 0 ? lines.join('\n') + '\n' : '',
        count: lines.length,
      };
    },
  };
}
