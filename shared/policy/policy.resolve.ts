import { z } from 'zod';
import { AppError } from '../errors';
import { policyKeys, policySchema, type Policy, type PolicyKey } from './policy.schema';

/** Why a policy source could not be used. Stable strings: tests and support match on them. */
export const policyProblemReasonSchema = z.enum([
  /** Not JSON / not a property list / not a registry value the schema can hold. */
  'unparseable',
  /** Parsed, but a key is unknown or a value is out of range. */
  'out-of-schema',
  /** The policy file is a symbolic link (anyone who can write its target would set policy). */
  'symlink',
  /** The policy path is a directory, device or socket. */
  'not-a-file',
  /** The file or its directory is not owned by root. */
  'owner',
  /** The file or its directory is writable by group or others. */
  'permissions',
  /** The source exists but could not be read (I/O error, reg.exe or plutil failed). */
  'unreadable',
]);
export type PolicyProblemReason = z.infer<typeof policyProblemReasonSchema>;

/**
 * A policy source that exists but cannot be trusted or understood. Code `POLICY_INVALID`; the
 * message names the source, the keys and the problem, never a value (an enrolment code is secret).
 */
export class PolicyError extends AppError {
  constructor(
    readonly reason: PolicyProblemReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('POLICY_INVALID', message, options);
  }
}

/** One precedence level of a source: machine-wide (HKLM, the root-owned file, managed prefs) or per user (HKCU). */
export type PolicyLevel = 'machine' | 'user';

/** What a source holds at one level: the keys IT set, or why it cannot be used. */
export type PolicyLayer =
  { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly error: PolicyError };

/** One read of a source, both levels. */
export interface PolicyRead {
  readonly machine: PolicyLayer;
  readonly user: PolicyLayer;
}

export const EMPTY_LAYER: PolicyLayer = { ok: true, policy: {} };

/**
 * Validates raw values from a source. A layer is all or nothing: one bad key makes the whole layer
 * invalid, because keeping "the rest" would run with a policy IT did not write.
 */
export function parsePolicyLayer(raw: unknown, origin: string): PolicyLayer {
  const parsed = policySchema.safeParse(raw);
  if (parsed.success) return { ok: true, policy: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => {
    const at = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') return `${at}: unknown key(s) ${issue.keys.join(', ')}`;
    return `${at}: ${issue.message}`;
  });
  const more = parsed.error.issues.length > 5 ? ` (+${parsed.error.issues.length - 5} more)` : '';
  return {
    ok: false,
    error: new PolicyError(
      'out-of-schema',
      `The policy in ${origin} is not valid: ${issues.join('; ')}${more}`,
    ),
  };
}

/**
 * What an unusable layer is replaced with: the strictest value of every key that has one that
 * cannot lock the user out of data they already hold. Keys with no safe invented value (server,
 * enrolment code, lease, backup location, escrow key) stay unset, and `restricted` tells the
 * modules that read them to refuse whatever those keys would have allowed.
 */
export const RESTRICTIVE_POLICY: Policy = {
  lockTimeoutMinutes: 1,
  requiredUnlockMethod: 'os-authentication',
  exportRights: 'none',
  updateChannel: 'stable',
};

/** A problem as reported to the UI and the logs. */
export const policyProblemSchema = z.object({
  level: z.enum(['machine', 'user']),
  reason: policyProblemReasonSchema,
  message: z.string(),
});
export type PolicyProblem = z.infer<typeof policyProblemSchema>;

/** The policy in force after precedence. */
export interface EffectivePolicy {
  readonly values: Policy;
  /** Keys set by a policy (including the restrictive fallback), sorted as in the schema. */
  readonly managed: readonly PolicyKey[];
  readonly origin: Readonly<Partial<Record<PolicyKey, PolicyLevel>>>;
  /** Unusable layers; when non-empty the restrictive fallback is in force at their level. */
  readonly problems: readonly PolicyProblem[];
  /** True when a layer was unusable: modules refuse what an unset key would otherwise allow. */
  readonly restricted: boolean;
}

/**
 * Precedence: machine over user; whatever neither sets stays with the user's own settings. An
 * unusable layer counts as the restrictive fallback at its own level, so a broken user policy
 * cannot override a working machine policy and a broken machine policy is never ignored.
 */
export function resolvePolicy(read: PolicyRead): EffectivePolicy {
  const problems: PolicyProblem[] = [];
  const layerValues = (level: PolicyLevel, layer: PolicyLayer): Policy => {
    if (layer.ok) return layer.policy;
    problems.push({ level, reason: layer.error.reason, message: layer.error.message });
    return RESTRICTIVE_POLICY;
  };
  const user = layerValues('user', read.user);
  const machine = layerValues('machine', read.machine);
  const values: Record<string, unknown> = {};
  const origin: Partial<Record<PolicyKey, PolicyLevel>> = {};
  for (const key of policyKeys) {
    if (machine[key] !== undefined) {
      values[key] = machine[key];
      origin[key] = 'machine';
    } else if (user[key] !== undefined) {
      values[key] = user[key];
      origin[key] = 'user';
    }
  }
  return {
    // Every value came from a parsed layer, so the merge is a valid policy.
    values: policySchema.parse(values),
    managed: policyKeys.filter((key) => origin[key] !== undefined),
    origin,
    problems,
    restricted: problems.length > 0,
  };
}
