import { z } from 'zod';
import { serverUrlSchema } from '../sync/sync.contract';

/**
 * The one managed-policy schema. IT sets these through `/etc/fieldvault/policy.json` (Linux), the
 * registry under `Software\Policies\FieldVault` (Windows) or the managed preferences domain
 * `com.fieldvault.desktop` (macOS); `tools/policy-gen.ts` derives the ADMX/ADML, the
 * `.mobileconfig` template and `policy.schema.json` from it. Every key is optional (absent means
 * "not managed") and unknown keys are refused, so a typo is reported instead of silently ignored.
 */
export const policySchema = z
  .object({
    serverUrl: serverUrlSchema
      .refine(
        (url) => /^https:/.test(url) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url),
        'https, or plain http only to this computer',
      )
      .optional(),
    enrolmentCode: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional(),
    lockTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    requiredUnlockMethod: z.enum(['keychain', 'os-authentication']).optional(),
    offlineLeaseDays: z.number().int().min(1).max(365).optional(),
    exportRights: z.enum(['all', 'privacy-only', 'none']).optional(),
    backupDirectory: z
      .string()
      .min(2)
      .max(1024)
      .regex(/^(\/|[A-Za-z]:\\|\\\\)[^\0]*$/, 'an absolute path')
      .optional(),
    backupRetentionCount: z.number().int().min(1).max(365).optional(),
    backupRetentionDays: z.number().int().min(1).max(3650).optional(),
    leaseRecovery: z.enum(['allowed', 'forbidden']).optional(),
    updateChannel: z.enum(['stable', 'beta', 'alpha', 'none']).optional(),
    updatePinVersion: z
      .string()
      .max(32)
      .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'a version such as 1.4.2')
      .optional(),
    updateFeedUrl: z
      .url({ protocol: /^https$/ })
      .max(2048)
      .optional(),
    escrowKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'a 32-byte X25519 public key, unpadded base64url')
      .optional(),
    pinUnlock: z.enum(['allowed', 'forbidden']).optional(),
  })
  .strict();

/** A policy as read from one source: only the keys IT set. */
export type Policy = z.infer<typeof policySchema>;
export type PolicyKey = keyof Policy;

export const policyKeys = Object.keys(policySchema.shape) as PolicyKey[];
export const policyKeySchema = z.enum(policyKeys as [PolicyKey, ...PolicyKey[]]);

/** How a value is stored in the Windows registry (and so which ADMX element edits it). */
export type RegistryValueType = 'REG_SZ' | 'REG_DWORD';

/** What the generators and the UI need to know about one key beyond its zod type. */
export interface PolicyFieldMeta {
  /** Short name shown in Group Policy editors and MDM consoles. */
  readonly title: string;
  /** One or two sentences: what the value does and what happens when it is not set. */
  readonly description: string;
  readonly registryType: RegistryValueType;
  /** A value the `.mobileconfig` template carries; must pass the key's schema. */
  readonly example: string | number;
  /** Never shown or logged: `policy.get` says only that it is set. */
  readonly secret?: true;
  /** Display names for enum values (ADML dropdown items). */
  readonly choices?: Readonly<Record<string, string>>;
}

/** Metadata per key; a missing or extra key is a compile error. */
export const policyFieldMeta: { readonly [K in PolicyKey]-?: PolicyFieldMeta } = {
  serverUrl: {
    title: 'Sync server URL',
    description:
      'The only sync server this device may use (https; plain http only to this computer). Users cannot create or join a workspace on another server.',
    registryType: 'REG_SZ',
    example: 'https://sync.example.com',
  },
  enrolmentCode: {
    title: 'Enrolment code',
    description:
      'The code the sync server asks for before it accepts a new workspace. Users are not asked to type it.',
    registryType: 'REG_SZ',
    example: 'REPLACE-WITH-ENROLMENT-CODE',
    secret: true,
  },
  lockTimeoutMinutes: {
    title: 'Lock after inactivity (minutes)',
    description: 'Minutes without input after which the vault locks itself. Replaces the user setting.',
    registryType: 'REG_DWORD',
    example: 15,
  },
  requiredUnlockMethod: {
    title: 'Required unlock method',
    description:
      'keychain: the key in the OS keychain opens the vault. os-authentication: the user must also confirm with the operating system (Touch ID, Windows Hello, polkit) at each unlock.',
    registryType: 'REG_SZ',
    example: 'keychain',
    choices: { keychain: 'OS keychain', 'os-authentication': 'OS keychain and OS authentication' },
  },
  offlineLeaseDays: {
    title: 'Offline lease (days)',
    description:
      'Days the device may work without reaching the sync server; after that the vault locks and opens only after a successful check-in with the server (or the recovery code, if leaseRecovery allows it).',
    registryType: 'REG_DWORD',
    example: 30,
  },
  exportRights: {
    title: 'Export rights',
    description:
      'all: CSV, vCard and privacy exports. privacy-only: only the per-person privacy export (data subject requests). none: no export.',
    registryType: 'REG_SZ',
    example: 'privacy-only',
    choices: { all: 'All exports', 'privacy-only': 'Privacy exports only', none: 'No exports' },
  },
  backupDirectory: {
    title: 'Backup location',
    description:
      'Absolute path of the directory encrypted backups are written to (created 0700 if missing). A symbolic link or a directory others can write to is refused. Replaces the user setting.',
    registryType: 'REG_SZ',
    example: '/Users/Shared/FieldVault Backups',
  },
  backupRetentionCount: {
    title: 'Backups kept',
    description: 'How many of the most recent backups are kept; older ones are deleted.',
    registryType: 'REG_DWORD',
    example: 14,
  },
  backupRetentionDays: {
    title: 'Backup age limit (days)',
    description:
      'Backups older than this many days are deleted at the next backup (the newest backup is always kept). Replaces the user setting.',
    registryType: 'REG_DWORD',
    example: 90,
  },
  leaseRecovery: {
    title: 'Recovery code after the offline lease',
    description:
      'allowed: when the offline lease has run out, the recovery code also unlocks the vault. forbidden (the default): only a successful check-in with the sync server does.',
    registryType: 'REG_SZ',
    example: 'forbidden',
    choices: { allowed: 'Recovery code allowed', forbidden: 'Check-in only' },
  },
  updateChannel: {
    title: 'Update channel',
    description:
      'The least stable release channel this device takes (stable, beta or alpha), or none to turn updates off.',
    registryType: 'REG_SZ',
    example: 'stable',
    choices: { stable: 'Stable', beta: 'Beta', alpha: 'Alpha', none: 'No updates' },
  },
  updatePinVersion: {
    title: 'Pinned version',
    description: 'Updates never go past this version (major.minor.patch).',
    registryType: 'REG_SZ',
    example: '1.0.0',
  },
  updateFeedUrl: {
    title: 'Update server',
    description:
      'The https folder that holds the signed release manifests and installers. Without it the app does not look for updates.',
    registryType: 'REG_SZ',
    example: 'https://updates.example.com/fieldvault',
  },
  escrowKey: {
    title: 'Recovery escrow key',
    description:
      "The organization's X25519 public key (unpadded base64url). At the next unlock each vault seals its unlock key to it, so IT can recover the vault with the private key (tools/escrow-recover.ts); removing the key removes that wrap.",
    registryType: 'REG_SZ',
    // A placeholder of the right shape; an admin replaces it with the organization's key.
    example: 'REPLACE_WITH_THE_ORGANIZATIONS_X25519_KEY00',
  },
  pinUnlock: {
    title: 'PIN or passphrase unlock',
    description:
      'allowed: users may add a PIN or passphrase that opens the vault (five wrong tries remove it). forbidden: no PIN; an existing one is removed at the next unlock. Not set: allowed, unless the required unlock method is os-authentication.',
    registryType: 'REG_SZ',
    example: 'forbidden',
    choices: { allowed: 'Allowed', forbidden: 'Forbidden' },
  },
};
