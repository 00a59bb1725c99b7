import { AppError } from '../../../shared/errors';
import type { EffectivePolicy } from '../../../shared/policy/policy.resolve';

/** What modules that enforce a key need of the policy service: the effective policy once read. */
export interface PolicyReader {
  ready(): Promise<EffectivePolicy>;
}

/** What an export needs the policy to allow. */
export type ExportKind = 'records' | 'person';

/**
 * Export rights: `all` (or unset) allows every export; `privacy-only` only the per-person export a
 * data subject request needs; `none` nothing. An unreadable policy counts as `none`.
 */
export async function requireExportRight(policy: PolicyReader, kind: ExportKind): Promise<void> {
  const effective = await policy.ready();
  const rights = effective.values.exportRights ?? (effective.restricted ? 'none' : 'all');
  if (rights === 'all' || (rights === 'privacy-only' && kind === 'person')) return;
  throw new AppError('POLICY_FORBIDDEN', 'Your organization does not allow this export');
}

function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const path = (u: URL) => u.pathname.replace(/\/+$/, '');
    return x.protocol === y.protocol && x.host === y.host && path(x) === path(y);
  } catch {
    return false;
  }
}

/**
 * The sync server policy: when IT names a server, only that one may be used to create or join a
 * workspace; its enrolment code is filled in when the user gave none. Returns the code to send.
 */
export async function requireAllowedServer(
  policy: PolicyReader,
  serverUrl: string,
  enrolmentCode: string | undefined,
): Promise<string | undefined> {
  const { values } = await policy.ready();
  if (values.serverUrl !== undefined && !sameServer(values.serverUrl, serverUrl))
    throw new AppError('POLICY_FORBIDDEN', 'Your organization allows only its own sync server');
  return enrolmentCode ?? values.enrolmentCode;
}
